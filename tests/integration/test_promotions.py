"""Promotions through the real handlers on moto: what an accrual answers, per-member limits, budgets drawn in the
accrual's own transaction (exhausted, given back by reversals, under concurrent purchases) and the simulation."""
from __future__ import annotations

import copy
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty.domain.program import MAX_BUDGET_SLICES
from loyalty.service import budgets
from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, ok, view
from tests.support.aws import program_document, put_program
from tests.support.functions import bus_event, call, concurrently

NOW = datetime.now(UTC)


def promotion(promotion_id: str, **fields: Any) -> dict[str, Any]:
    window = {"starts_at": (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "ends_at": (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"promotion_id": promotion_id, "name": f"promotion {promotion_id}", **window, **fields}


def install(*promotions: dict[str, Any]) -> None:
    document = copy.deepcopy(program_document())
    document["promotions"] = list(promotions)
    put_program(document)
    budgets.given_back()  # what the container knew of short slices belongs to the previous test's tables


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def purchase(member_id: str, tx: str, amount: int = 2000, **extra: Any) -> dict[str, Any]:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD", **extra}
    return ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))["accrual"]  # type: ignore[no-any-return]


def refund(member_id: str, tx: str, rid: str, amount: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"reversal_id": rid} | ({} if amount is None else {"amount_minor": amount})
    answer = call("POST", f"/v1/members/{member_id}/accruals/{tx}/reversals", body, **SERVICE)
    return ok(answer)["reversal"]  # type: ignore[no-any-return]


def drawn(promotion_id: str) -> int:
    return sum(repository.budget_drawn(promotion_id, MAX_BUDGET_SLICES))


def clean() -> None:
    assert audit_all()[1] == []



# --- what an accrual answers ---------------------------------------------------------------------------------------

def test_a_sku_bonus_shows_in_the_accrual_its_event_and_the_lot(moto_aws: None, published: list[Any]) -> None:
    install(promotion("sku-bonus", skus=["S1"], bonus_points=30))
    enroll("m-1")
    got = purchase("m-1", "t-1", lines=[{"sku": "S1", "amount_minor": 2000}])
    assert (got["points"], got["promotions"]) == (50, [{"promotion_id": "sku-bonus", "points": 30}])
    assert purchase("m-1", "t-2", lines=[{"sku": "S2", "amount_minor": 2000}])["promotions"] == []
    [accrued, _] = [d for kind, d in published if kind == "PointsAccrued" and d["member_id"] == "m-1"]
    assert accrued["promotions"] == [{"promotion_id": "sku-bonus", "points": 30}]
    lot = repository.get_lot("m-1", "accrual#t-1")
    assert lot is not None and [(g.promotion_id, g.points, g.slice) for g in lot.promotions] == [("sku-bonus", 30, None)]
    clean()


def test_a_replayed_accrual_answers_the_same_promotions_and_draws_once(moto_aws: None) -> None:
    install(promotion("b", bonus_points=25, budget_points=100))
    enroll("m-1")
    first = purchase("m-1", "t-1")
    assert purchase("m-1", "t-1") == first and first["promotions"] == [{"promotion_id": "b", "points": 25}]
    assert drawn("b") == 25
    clean()


def test_a_payment_captured_event_earns_the_promotion_as_http_does(moto_aws: None) -> None:
    install(promotion("app-x2", channels=["app"], multiplier="2"))
    enroll("m-1")
    detail = {"member_id": "m-1", "transaction_id": "pay-1", "amount_minor": 1000, "currency": "USD", "channel": "app",
              "lines": [], "occurred_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    got = bus_event("AccrueFunction", "payments", "PaymentCaptured", detail)["accrual"]
    assert (got["points"], got["promotions"]) == (20, [{"promotion_id": "app-x2", "points": 10}])


def test_segments_and_first_purchase_target_the_member(moto_aws: None) -> None:
    install(promotion("welcome-buy", first_purchase=True, bonus_points=100),
            promotion("vip", segments=["vip"], multiplier="3"))
    enroll("m-1")
    assert purchase("m-1", "t-1")["promotions"] == [{"promotion_id": "welcome-buy", "points": 100}]
    assert purchase("m-1", "t-2")["promotions"] == []
    member = repository.get_member("m-1")
    assert member is not None and member.has_purchased and member.segments == []


# --- per-member limit ------------------------------------------------------------------------------------------------

def test_a_per_member_limit_is_counted_on_the_member_item(moto_aws: None) -> None:
    install(promotion("twice", bonus_points=10, per_member_limit=2))
    enroll("m-1")
    enroll("m-2")
    got = [purchase("m-1", f"t-{n}")["points"] for n in range(3)]
    assert got == [30, 30, 20]
    assert purchase("m-2", "t-0")["points"] == 30
    member = repository.get_member("m-1")
    assert member is not None and member.promotion_uses == {"twice": 2}
    assert view("m-1")["balance"]["pending"] == 80
    install()  # the promotion leaves the program: the next accrual forgets its count
    purchase("m-1", "t-9")
    member = repository.get_member("m-1")
    assert member is not None and member.promotion_uses == {}
    clean()


# --- budgets ---------------------------------------------------------------------------------------------------------

def test_a_budget_gives_the_promotion_while_it_covers_a_purchase_in_full(moto_aws: None) -> None:
    install(promotion("b", bonus_points=30, budget_points=100), promotion("m", multiplier="2", budget_points=45))
    enroll("m-1")
    got = [purchase("m-1", f"t-{n}", 2000)["promotions"] for n in range(4)]
    assert got == [[{"promotion_id": "b", "points": 30}, {"promotion_id": "m", "points": 20}]] * 2 + [
        [{"promotion_id": "b", "points": 30}]] * 1 + [[]]
    assert (drawn("b"), drawn("m")) == (90, 40)
    assert purchase("m-1", "t-5", 500)["promotions"] == [{"promotion_id": "m", "points": 5}]  # 5 of 45 left: enough
    assert drawn("m") == 45
    clean()


def test_a_reversal_gives_the_promotion_points_and_its_budget_back(moto_aws: None) -> None:
    install(promotion("b", bonus_points=30, budget_points=60), promotion("m", multiplier="1.5"))
    enroll("m-1")
    first = purchase("m-1", "t-1", 10_000)  # 100 base, 50 from m, 30 from b
    assert (first["points"], first["promotions"]) == (180, [{"promotion_id": "b", "points": 30},
                                                           {"promotion_id": "m", "points": 50}])
    purchase("m-1", "t-2", 10_000)
    assert purchase("m-1", "t-3", 10_000)["points"] == 150  # the budget is spent
    half = refund("m-1", "t-1", "r-1", 5_000)
    assert half["points"] == 90
    lot = repository.get_lot("m-1", "accrual#t-1")
    assert lot is not None and [(g.promotion_id, g.reversed_points) for g in lot.promotions] == [("b", 15), ("m", 25)]
    assert drawn("b") == 45
    assert purchase("m-1", "t-4", 10_000)["points"] == 150  # 15 left does not cover 30
    refund("m-1", "t-1", "r-2")  # the rest
    assert drawn("b") == 30
    assert purchase("m-1", "t-5", 10_000)["points"] == 180  # covered again
    assert view("m-1")["balance"]["pending"] == 0 + 180 + 150 + 150 + 180
    clean()


def test_budgets_of_every_size_are_split_and_never_exceeded(moto_aws: None) -> None:
    # 60 000 points in bonuses of 5 000: six slices of two bonuses each
    install(promotion("big", bonus_points=5_000, budget_points=60_000))
    members = [f"m-{n}" for n in range(14)]
    for m in members:
        enroll(m)
    got = [bool(purchase(m, "t-1")["promotions"]) for m in members]
    assert got.count(True) == 12 and got[-2:] == [False, False]
    assert repository.budget_drawn("big", MAX_BUDGET_SLICES) == [10_000] * 6 + [0, 0]
    clean()


def test_a_spent_budget_costs_a_container_one_cancelled_write_per_slice_once(moto_aws: None,
                                                                          api_calls: Counter[str]) -> None:
    install(promotion("spent", bonus_points=10_000, budget_points=20_000))  # two slices of one bonus each
    for m in ("m-0", "m-1", "m-2"):
        enroll(m)
    assert [len(purchase(m, "t-1")["promotions"]) for m in ("m-0", "m-1")] == [1, 1]
    budgets.given_back()  # a container that has not yet met a short slice (m-1 may have met one)
    api_calls.clear()
    assert purchase("m-2", "t-1")["promotions"] == []
    # one member read, one cancelled write per slice (rebuilt on the same read), the write without the promotion
    assert (api_calls["GetItem"], api_calls["TransactWriteItems"]) == (1, 3)
    assert purchase("m-2", "t-2")["promotions"] == []
    assert (api_calls["GetItem"], api_calls["TransactWriteItems"]) == (2, 4)  # this container knows the slices are short
    assert drawn("spent") == 20_000
    clean()


def test_twenty_four_concurrent_purchases_never_exceed_the_budget(moto_aws: None, quick_backoff: None) -> None:
    install(promotion("flash", bonus_points=5_000, budget_points=60_000), promotion("always", bonus_points=1))
    members = [f"m-{n}" for n in range(24)]
    for m in members:
        enroll(m)
    requests = [("POST", f"/v1/members/{m}/accruals", {"transaction_id": "t-1", "kind": "purchase",
                                                       "amount_minor": 2000, "currency": "USD"}, SERVICE)
                for m in members]
    answers = concurrently(requests)
    assert [a.status for a in answers] == [201] * 24, [a.body for a in answers if a.status != 201]
    flashed = [a for a in answers if {"promotion_id": "flash", "points": 5_000} in a.body["accrual"]["promotions"]]
    assert len(flashed) == 12  # 60 000 / 5 000: exactly as many as the budget covers, never more
    assert all(a.body["accrual"]["points"] == 20 + 1 + 5_000 for a in flashed)
    assert repository.budget_drawn("flash", MAX_BUDGET_SLICES) == [10_000] * 6 + [0, 0]
    assert sum(view(m)["balance"]["pending"] for m in members) == 24 * 21 + 60_000
    clean()


def test_concurrent_purchases_of_one_member_share_a_budget(moto_aws: None, quick_backoff: None) -> None:
    install(promotion("b", bonus_points=100, budget_points=700))
    enroll("m-1")
    requests = [("POST", "/v1/members/m-1/accruals", {"transaction_id": f"t-{n}", "kind": "purchase",
                                                      "amount_minor": 1000, "currency": "USD"}, SERVICE)
                for n in range(20)]
    answers = concurrently(requests)
    assert [a.status for a in answers] == [201] * 20, [a.body for a in answers if a.status != 201]
    assert sum(a.body["accrual"]["points"] for a in answers) == 20 * 10 + 700 and drawn("b") == 700
    clean()


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.service import execution

    monkeypatch.setattr(execution, "backoff", lambda attempt: time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt))))


# --- the simulation --------------------------------------------------------------------------------------------------

SIMULATED = {"transaction_id": "sim-1", "kind": "purchase", "amount_minor": 10_000, "currency": "USD",
             "lines": [{"sku": "S1", "amount_minor": 2000}]}


def test_the_simulation_answers_as_an_accrual_would_and_writes_nothing(moto_aws: None, api_calls: Counter[str]) -> None:
    install(promotion("gold", tiers=["Gold"], multiplier="2"), promotion("vip", segments=["vip"], bonus_points=40),
            promotion("sku", skus=["S1"], bonus_points=7, per_member_limit=1),
            promotion("spent", bonus_points=50, budget_points=50))
    enroll("m-1")
    assert {"promotion_id": "spent", "points": 50} in purchase("m-1", "t-1")["promotions"]
    api_calls.clear()
    answer = call("POST", "/v1/admin/simulations/accrual", {"tier": "Gold", "segments": ["vip"], "purchase": SIMULATED},
                  **ADMIN)
    got = ok(answer, 200)["accrual"]
    assert got["points"] == 150 + 150 + 40 + 7
    assert got["promotions"] == [{"promotion_id": "gold", "points": 150}, {"promotion_id": "vip", "points": 40},
                                 {"promotion_id": "sku", "points": 7}]  # "spent": nothing left of its budget
    assert got["transaction_id"] == "sim-1" and got["status"] == "pending"
    assert not {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"} & set(api_calls)
    assert set(api_calls) == {"BatchGetItem"}  # the budget counters, and nothing else
    plain = ok(call("POST", "/v1/admin/simulations/accrual", {"purchase": SIMULATED}, **ADMIN), 200)["accrual"]
    assert (plain["points"], plain["promotions"]) == (107, [{"promotion_id": "sku", "points": 7}])


def test_the_simulation_may_look_ahead_and_is_for_admins_only(moto_aws: None) -> None:
    install(promotion("next-week", bonus_points=9, starts_at=(NOW + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      ends_at=(NOW + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")))
    later = {**SIMULATED, "occurred_at": (NOW + timedelta(days=7, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    got = ok(call("POST", "/v1/admin/simulations/accrual", {"purchase": later}, **ADMIN), 200)["accrual"]
    assert got["promotions"] == [{"promotion_id": "next-week", "points": 9}]
    body = {"purchase": SIMULATED}
    for who in (SERVICE, {"sub": "m-1", "scope": ""}):
        denied = call("POST", "/v1/admin/simulations/accrual", body, **who)
        assert denied.status == 403 and denied.body["error"]["code"] == "FORBIDDEN"
    assert call("POST", "/v1/admin/simulations/accrual", body, sub=None).status == 401
    for bad in ({"tier": "Diamond", "purchase": SIMULATED}, {"purchase": {**SIMULATED, "amount_minor": "1"}},
                {"purchase": SIMULATED, "member_id": "m-1"}, {"segments": ["a b"], "purchase": SIMULATED}, {}):
        refused = call("POST", "/v1/admin/simulations/accrual", bad, **ADMIN)
        assert refused.status == 422 and refused.body["error"]["code"] == "INVALID_REQUEST", (bad, refused.body)
    for purchase_, code in [({**SIMULATED, "currency": "GBP"}, "UNSUPPORTED_CURRENCY"),
                            ({**SIMULATED, "occurred_at": "9999-12-31T23:59:59Z"}, "OCCURRED_AT_IN_FUTURE"),
                            ({**SIMULATED, "occurred_at": "2001-01-01T00:00:00Z"}, "OCCURRED_AT_TOO_OLD")]:
        refused = call("POST", "/v1/admin/simulations/accrual", {"purchase": purchase_}, **ADMIN)
        assert refused.status == 422 and refused.body["error"]["code"] == code, refused.body
