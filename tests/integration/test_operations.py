"""Every operation through the real handlers in process, against moto: redemptions, reversals, transfers,
adjustments, input validation and the authorization matrix."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from loyalty.domain import spending as domain_spending
from loyalty.platform.program_source import current_program
from loyalty.service.ledger_audit import audit_all
from loyalty.storage import mapping, repository
from loyalty.storage.packing import DAY_MAPS_OF_DETAIL, unpack_state
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.aws import program_document
from tests.support.functions import Answer, bus_event, call, scheduled

# the catalog as the design brief describes it: (type, cost, needs a code)
CATALOG = {"coffee": ("gift", 500, True), "five-off": ("discount", 1000, True), "charity-100": ("donation", 100, False),
           "miles-500": ("miles", 1000, True), "cashback-10": ("cashback", 2000, True),
           "lounge": ("experience", 8000, True)}


# --- helpers ------------------------------------------------------------------------------------------------------


def enroll(member_id: str) -> dict[str, Any]:
    return ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))  # type: ignore[no-any-return]


def balance(member_id: str) -> dict[str, int]:
    return view(member_id)["balance"]  # type: ignore[no-any-return]


def credit(member_id: str, points: int, key: str) -> dict[str, Any]:
    return ok(call("POST", f"/v1/admin/members/{member_id}/adjustments",  # type: ignore[no-any-return]
                   {"adjustment_id": key, "points": points, "reason": "test"}, **ADMIN))


def accrue(member_id: str, tx: str, amount: int, **extra: Any) -> dict[str, Any]:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD", **extra}
    return ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))  # type: ignore[no-any-return]


def redeem(member_id: str, rid: str, reward: str, quantity: int = 1) -> Answer:
    return call("POST", f"/v1/members/{member_id}/redemptions",
                {"redemption_id": rid, "reward_id": reward, "quantity": quantity}, **SERVICE)


def reverse(member_id: str, tx: str, rid: str, amount: int | None = None) -> Answer:
    body: dict[str, Any] = {"reversal_id": rid}
    if amount is not None:
        body["amount_minor"] = amount
    return call("POST", f"/v1/members/{member_id}/accruals/{tx}/reversals", body, **SERVICE)


def upgrade(member_id: str, when: datetime | None = None) -> None:
    # a detail as published (the consumer parses it with the publisher's model); the tier reads only member_id
    detail = {"member_id": member_id, "transaction_id": "t-tier", "points": 0, "status": "available", "kind": "purchase"}
    bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued", detail, when)


def to_gold(member_id: str) -> None:
    accrue(member_id, f"gold-{member_id}", 500_000)  # 5 000 qualifying points, pending
    upgrade(member_id)
    assert view(member_id)["tier"] == "Gold"


def stock_left(reward_id: str) -> int:
    items = ok(call("GET", "/v1/rewards", sub=None), 200)["items"]
    return int(next(i for i in items if i["reward_id"] == reward_id)["stock_left"])


def clean() -> None:
    assert audit_all()[1] == []


def snapshot(member_id: str) -> tuple[Any, ...]:
    return view(member_id), history(member_id)



# --- redemption -------------------------------------------------------------------------------------------------------

def test_the_catalog_is_the_one_the_design_describes(moto_aws: None) -> None:
    items = ok(call("GET", "/v1/rewards", sub=None), 200)["items"]
    assert {i["reward_id"]: (i["type"], i["points"]) for i in items} == {k: v[:2] for k, v in CATALOG.items()}


@pytest.mark.parametrize("reward_id", sorted(CATALOG))
@pytest.mark.parametrize("quantity", [1, 3])
def test_redeem_every_reward_type(moto_aws: None, reward_id: str, quantity: int) -> None:
    _, cost, needs_code = CATALOG[reward_id]
    enroll("m-1")
    credit("m-1", 40_000, "seed")
    if reward_id == "lounge":
        to_gold("m-1")
    before = balance("m-1")
    body = ok(redeem("m-1", "r-1", reward_id, quantity))
    assert body["redemption"]["points"] == cost * quantity
    assert body["redemption"]["reward_id"] == reward_id
    code = body["redemption"]["code"]
    if needs_code:
        assert isinstance(code, str) and len(code) >= 8
    else:
        assert code is None
    assert body["member"]["balance"]["available"] == before["available"] - cost * quantity
    assert balance("m-1")["available"] == before["available"] - cost * quantity
    entry = history("m-1")[0]
    assert (entry["type"], entry["points"], entry["reference"]) == ("redemption", -cost * quantity, "r-1")
    if needs_code:  # a second redemption gets another code
        again = ok(redeem("m-1", "r-2", reward_id, 1))
        assert again["redemption"]["code"] not in (None, code)
    clean()


def test_redemption_replay_returns_the_same_code_and_takes_points_once(moto_aws: None) -> None:
    enroll("m-1")
    credit("m-1", 1000, "seed")
    first = ok(redeem("m-1", "r-1", "coffee"))
    assert ok(redeem("m-1", "r-1", "coffee")) == first
    assert balance("m-1")["available"] == 1100 - 500
    changed = redeem("m-1", "r-1", "coffee", 2)
    assert changed.status == 409 and changed.body["error"]["code"] == "IDEMPOTENCY_MISMATCH"
    assert balance("m-1")["available"] == 600


def test_lounge_requires_gold(moto_aws: None) -> None:
    enroll("m-1")
    credit("m-1", 20_000, "seed")
    accrue("m-1", "silver", 200_000)
    upgrade("m-1")
    assert view("m-1")["tier"] == "Silver"
    before = snapshot("m-1")
    refused = redeem("m-1", "r-1", "lounge")
    assert refused.status == 409 and refused.body["error"]["code"] == "TIER_REQUIRED"
    assert snapshot("m-1") == before
    assert stock_left("lounge") == 10
    accrue("m-1", "gold", 300_000)
    upgrade("m-1")
    assert ok(redeem("m-1", "r-1", "lounge"))["redemption"]["points"] == 8000
    assert stock_left("lounge") == 9


def test_lounge_out_of_stock_after_ten_units_and_stock_back_on_cancellation(moto_aws: None) -> None:
    for m in ("m-1", "m-2"):
        enroll(m)
        credit(m, 100_000, "seed")
        to_gold(m)
    ok(redeem("m-1", "r-1", "lounge", 4))
    ok(redeem("m-2", "r-2", "lounge", 6))
    assert stock_left("lounge") == 0
    before = snapshot("m-1")
    refused = redeem("m-1", "r-3", "lounge")
    assert refused.status == 409 and refused.body["error"]["code"] == "OUT_OF_STOCK"
    assert snapshot("m-1") == before
    cancelled = ok(call("POST", "/v1/members/m-2/redemptions/r-2/cancellation", sub="m-2", scope=""))
    assert cancelled["cancellation"]["points"] == 6 * 8000
    assert stock_left("lounge") == 6
    too_many = redeem("m-1", "r-4", "lounge", 7)
    assert too_many.status == 409 and too_many.body["error"]["code"] == "OUT_OF_STOCK"
    ok(redeem("m-1", "r-5", "lounge", 6))
    assert stock_left("lounge") == 0
    clean()


def test_a_first_redemption_beyond_the_whole_stock_is_refused(moto_aws: None) -> None:
    """Before any unit is handed out the stock counter does not exist yet: 11 of 10 must still be refused."""
    enroll("m-1")
    credit("m-1", 100_000, "seed")
    to_gold("m-1")
    before = snapshot("m-1")
    refused = redeem("m-1", "r-1", "lounge", 11)
    assert refused.status == 409 and refused.body["error"]["code"] == "OUT_OF_STOCK"
    assert snapshot("m-1") == before and stock_left("lounge") == 10
    ok(redeem("m-1", "r-2", "lounge", 10))
    assert stock_left("lounge") == 0
    clean()


@pytest.mark.parametrize("cursor", ["0", "%05", "G", "W10=", "WyJhIiwgMV0=", "bm90IGpzb24=", "x" * 2000])
def test_a_cursor_that_is_not_ours_is_a_422(moto_aws: None, cursor: str) -> None:
    enroll("m-1")
    answer = call("GET", "/v1/members/m-1/transactions", query={"cursor": cursor}, **SERVICE)
    assert answer.status == 422 and answer.body["error"]["code"] == "INVALID_REQUEST", answer.body


def test_history_pages_with_its_own_cursor(moto_aws: None) -> None:
    enroll("m-1")
    for n in range(3):
        credit("m-1", 10 + n, f"c-{n}")
    first = ok(call("GET", "/v1/members/m-1/transactions", query={"limit": "2"}, **SERVICE), 200)
    rest = ok(call("GET", "/v1/members/m-1/transactions", query={"limit": "2", "cursor": first["next_cursor"]},
                   **SERVICE), 200)
    entries = [i["entry_id"] for i in first["items"] + rest["items"]]
    assert len(entries) == 4 == len(set(entries))  # welcome + 3 credits, each once


def test_insufficient_points_changes_nothing(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 100_000)  # 1 000 points, but pending: not spendable
    before = snapshot("m-1"), ok(call("GET", "/v1/admin/stats", **ADMIN), 200)
    for reward, quantity in (("coffee", 1), ("charity-100", 2), ("five-off", 1)):
        refused = redeem("m-1", f"r-{reward}", reward, quantity)
        assert refused.status == 409 and refused.body["error"]["code"] == "INSUFFICIENT_POINTS", refused.body
    assert (snapshot("m-1"), ok(call("GET", "/v1/admin/stats", **ADMIN), 200)) == before
    ok(redeem("m-1", "r-ok", "charity-100", 1))  # exactly the 100 welcome points
    assert balance("m-1")["available"] == 0


def test_unknown_reward_is_404(moto_aws: None) -> None:
    enroll("m-1")
    refused = redeem("m-1", "r-1", "yacht")
    assert refused.status == 404 and set(refused.body["error"]) == {"code", "message"}


def seed_small_lots(member_id: str, count: int, now: datetime) -> int:
    """`count` manual credits of 2 points each, spread over 300 earning days (as if credited over the past months):
    decided by the domain, stored through the storage mapping item by item (moto copies whole tables on every
    transaction, which would make 1 000 transactions slow; the state stored is the same)."""
    program = current_program()
    member = repository.get_member(member_id)
    assert member is not None
    total = 0
    for i in range(count):
        seed = domain_spending.AdjustmentCommand(f"seed-{i:04d}", "credit", 2, "seed")
        part = domain_spending.adjust(program, member, seed, now - timedelta(days=i % 300, minutes=i))
        lots = {lot.lot_id: lot for lot in part.new_lots}
        for entry in part.entries:
            mapping.entry_to_item(entry, lots.get(entry.key)).save()
        total += 2
    item = mapping.member_to_item(member)
    item.save()
    return total


def test_a_redemption_drawing_on_a_thousand_lots_is_one_transaction(moto_aws: None, api_calls: Counter[str]) -> None:
    enroll("m-1")
    ok(redeem("m-1", "r-0", "charity-100"))  # spend the welcome points: what is left lives in the small lots
    total = seed_small_lots("m-1", 1000, datetime.now(UTC))
    assert total == 2000
    assert balance("m-1")["available"] == 2000
    api_calls.clear()
    body = ok(redeem("m-1", "r-1", "cashback-10"))  # 2 000 points: every one of the 1 000 lots
    assert body["member"]["balance"]["available"] == 0
    assert api_calls["TransactWriteItems"] == 1, api_calls
    assert api_calls["Scan"] == 0 and api_calls["Query"] == 0, api_calls
    assert api_calls["GetItem"] <= 1, api_calls
    raw = boto3.client("dynamodb").get_item(TableName="MembersTable", Key={"member_id": {"S": "m-1"}})["Item"]
    assert len(repr(raw)) < 100_000, "the member item must stay far below DynamoDB's 400 KB"
    entry = boto3.client("dynamodb").get_item(TableName="LedgerTable", Key={
        "member_id": {"S": "m-1"}, "entry_key": {"S": "redemption#r-1"}})["Item"]
    assert len(repr(entry)) < 100_000
    assert sum(unpack_state(entry["detail"]["B"], DAY_MAPS_OF_DETAIL)["draws"].values()) == 2000
    lots = [item for item in boto3.client("dynamodb").query(
        TableName="LedgerTable", KeyConditionExpression="member_id = :m",
        ExpressionAttributeValues={":m": {"S": "m-1"}})["Items"] if "lot" in item]
    assert len(lots) == 1001 and all(lot["lot_version"]["N"] == "1" for lot in lots), "spending never rewrites lots"
    clean()


# --- reversal -----------------------------------------------------------------------------------------------------

def test_reversal_takes_pending_first(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 10_000)
    assert balance("m-1") == {"available": 100, "pending": 100, "lifetime": 200, "qualifying": 100}
    body = ok(reverse("m-1", "t-1", "rv-1", 2_500))
    assert body["reversal"]["points"] == 25
    assert balance("m-1") == {"available": 100, "pending": 75, "lifetime": 175, "qualifying": 75}
    assert history("m-1")[0]["type"] == "reversal" and history("m-1")[0]["points"] == -25
    clean()


def test_reversal_of_spent_points_becomes_debt_that_later_earnings_repay(moto_aws: None) -> None:
    now = datetime.now(UTC)
    enroll("m-1")
    # 20 days old: past the 14-day hold, so available at once
    acc = accrue("m-1", "t-1", 50_000, occurred_at=(now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert acc["accrual"]["status"] == "available"
    ok(redeem("m-1", "r-1", "coffee"))
    assert balance("m-1")["available"] == 100
    assert ok(reverse("m-1", "t-1", "rv-1"))["reversal"]["points"] == 500
    assert balance("m-1")["available"] == -400
    refused = redeem("m-1", "r-2", "charity-100")
    assert refused.status == 409 and refused.body["error"]["code"] == "INSUFFICIENT_POINTS"
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "rev", "kind": "activity", "activity": "review"},
            **SERVICE))
    assert balance("m-1")["available"] == -350
    credit("m-1", 400, "fix")
    assert balance("m-1")["available"] == 50
    assert view("m-1")["expiring"] == []
    assert redeem("m-1", "r-3", "charity-100").status == 409  # 50 points are not enough for 100
    clean()


def test_partial_refunds_round_down_and_the_completing_one_takes_the_rest(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 1_000)  # 10 points
    got = [ok(reverse("m-1", "t-1", f"rv-{i}", amount))["reversal"]["points"] for i, amount in enumerate((333, 333, 334))]
    assert got == [10 * 333 // 1000, 10 * 333 // 1000, 10 - 2 * (10 * 333 // 1000)]
    assert balance("m-1")["pending"] == 0
    clean()


def test_over_refund_is_refused_and_changes_nothing(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 1_000)
    ok(reverse("m-1", "t-1", "rv-1", 600))
    before = snapshot("m-1")
    for rid, amount in (("rv-2", 401), ("rv-3", 10**11)):
        refused = reverse("m-1", "t-1", rid, amount)
        assert refused.status == 409 and refused.body["error"]["code"] == "REFUND_EXCEEDS_AMOUNT"
    assert snapshot("m-1") == before
    ok(reverse("m-1", "t-1", "rv-4"))
    refused = reverse("m-1", "t-1", "rv-5")
    assert refused.status == 409 and refused.body["error"]["code"] == "REFUND_EXCEEDS_AMOUNT"
    missing = reverse("m-1", "nope", "rv-6", 1)
    assert missing.status == 404
    clean()


def test_payment_refunded_event_reverses(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 10_000)
    bus_event("AccrueFunction", "payments", "PaymentRefunded",
              {"member_id": "m-1", "transaction_id": "t-1", "refund_id": "rf-1", "amount_minor": 5_000})
    assert balance("m-1")["pending"] == 50


# --- transfer -----------------------------------------------------------------------------------------------------

def test_transfer_keeps_expiry_dates(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    t = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    clock_at(t - timedelta(days=345))
    enroll("m-1")
    ok(redeem("m-1", "r-welcome", "charity-100"))  # spend the welcome points, which expire on the same day
    credit("m-1", 30, "old")  # expires in 20 days as of t
    clock_at(t - timedelta(days=340))
    credit("m-1", 40, "older")  # expires in 25 days as of t
    clock_at(t - timedelta(days=1))
    enroll("m-2")
    clock_at(t)
    d20, d25 = ((t + timedelta(days=n)).date().isoformat() for n in (20, 25))
    body = ok(call("POST", "/v1/members/m-1/transfers", {"transfer_id": "x-1", "to_member_id": "m-2", "points": 50},
                   sub="m-1", scope=""))
    assert body["transfer"] == {"transfer_id": "x-1", "to_member_id": "m-2", "points": 50}
    assert view("m-2")["expiring"] == [{"date": d20, "points": 30}, {"date": d25, "points": 20}]
    assert view("m-1")["expiring"] == [{"date": d25, "points": 20}]
    assert balance("m-1")["available"] == 70 - 50
    assert balance("m-2")["available"] == 100 + 50
    assert [h["type"] for h in history("m-2")][:1] == ["transfer_in"]
    assert [h["type"] for h in history("m-1")][:1] == ["transfer_out"]
    clean()
    # the transferred points expire on the sender's dates, never refreshed
    scheduled("ExpireFunction", t + timedelta(days=20))
    clock_at(t + timedelta(days=20, hours=1))
    assert balance("m-2")["available"] == 150 - 30
    clean()


def test_transfer_refusals(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    accrue("m-1", "t-1", 100_000)  # pending points cannot be transferred
    before = snapshot("m-1"), snapshot("m-2")
    for body, status, code in (
        ({"transfer_id": "x-1", "to_member_id": "m-2", "points": 101}, 409, "INSUFFICIENT_POINTS"),
        ({"transfer_id": "x-2", "to_member_id": "m-1", "points": 1}, 409, None),
        ({"transfer_id": "x-3", "to_member_id": "ghost", "points": 1}, 404, None),
        ({"transfer_id": "x-4", "to_member_id": "m-2", "points": 0}, 422, None),
    ):
        answer = call("POST", "/v1/members/m-1/transfers", body, sub="m-1", scope="")
        assert answer.status == status, (body, answer.body)
        assert code is None or answer.body["error"]["code"] == code
    assert (snapshot("m-1"), snapshot("m-2")) == before


# --- admin ---------------------------------------------------------------------------------------------------------

def test_admin_credit_is_a_new_non_qualifying_lot(moto_aws: None) -> None:
    enroll("m-1")
    body = credit("m-1", 250, "a-1")
    assert body["adjustment"]["points"] == 250
    assert balance("m-1") == {"available": 350, "pending": 0, "lifetime": 350, "qualifying": 0}


def test_admin_debit_never_below_zero(moto_aws: None) -> None:
    enroll("m-1")
    accrue("m-1", "t-1", 100_000)  # pending: not debitable
    before = snapshot("m-1")
    for key, points in (("d-1", -150), ("d-2", -101)):
        refused = call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": key, "points": points,
                                                                     "reason": "x"}, **ADMIN)
        assert refused.status == 409 and refused.body["error"]["code"] == "INSUFFICIENT_POINTS"
    assert snapshot("m-1") == before
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "d-3", "points": -100, "reason": "x"}, **ADMIN))
    assert balance("m-1")["available"] == 0
    refused = call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "d-4", "points": -1, "reason": "x"},
                   **ADMIN)
    assert refused.status == 409
    assert balance("m-1")["available"] == 0
    clean()


def test_admin_stats_track_the_liability(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    accrue("m-1", "t-1", 12_345)
    credit("m-2", 1_000, "a-1")
    ok(redeem("m-2", "r-1", "coffee"))
    ok(reverse("m-1", "t-1", "rv-1", 12_345))
    stats = ok(call("GET", "/v1/admin/stats", **ADMIN), 200)
    owed = sum(balance(m)["available"] + balance(m)["pending"] for m in ("m-1", "m-2"))
    assert stats["points"]["outstanding"] == owed == 100 + 100 + 1000 - 500
    assert stats["members"] == 2
    assert stats["tiers"]["Member"] == 2


# --- bad inputs ------------------------------------------------------------------------------------------------------

def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


PURCHASE = {"transaction_id": "t-bad", "kind": "purchase", "amount_minor": 1000, "currency": "USD"}
BAD_ACCRUALS: dict[str, Any] = {
    "negative amount": {**PURCHASE, "amount_minor": -5},
    "zero amount": {**PURCHASE, "amount_minor": 0},
    "fractional amount": {**PURCHASE, "amount_minor": 10.5},
    "integral float amount": {**PURCHASE, "amount_minor": 10.0},
    "string amount": {**PURCHASE, "amount_minor": "1000"},
    "boolean amount": {**PURCHASE, "amount_minor": True},
    "amount above 10^11": {**PURCHASE, "amount_minor": 10**11 + 1},
    "unknown currency": {**PURCHASE, "currency": "XYZ"},
    "lower-case currency": {**PURCHASE, "currency": "usd"},
    "unknown kind": {**PURCHASE, "kind": "gift"},
    "unknown channel": {**PURCHASE, "channel": "fax"},
    "missing amount": {k: v for k, v in PURCHASE.items() if k != "amount_minor"},
    "missing transaction_id": {k: v for k, v in PURCHASE.items() if k != "transaction_id"},
    "transaction_id not a string": {**PURCHASE, "transaction_id": 12},
    "lines not a list": {**PURCHASE, "lines": {"amount_minor": 1}},
    "line amount as string": {**PURCHASE, "lines": [{"amount_minor": "1"}]},
    "future occurred_at": {**PURCHASE, "occurred_at": _iso(timedelta(hours=1))},
    "occurred_at over 30 days old": {**PURCHASE, "occurred_at": _iso(-timedelta(days=30, hours=1))},
    "occurred_at without zone": {**PURCHASE, "occurred_at": "2026-11-20T10:00:00"},
    "occurred_at not a date": {**PURCHASE, "occurred_at": "yesterday"},
    "lines over the amount": {**PURCHASE, "lines": [{"amount_minor": 600}, {"amount_minor": 401}]},
    "101 lines": {**PURCHASE, "amount_minor": 10_000, "lines": [{"amount_minor": 1}] * 101},
    "id with a space": {**PURCHASE, "transaction_id": "t 1"},
    "id with a slash": {**PURCHASE, "transaction_id": "t/1"},
    "id of 65 characters": {**PURCHASE, "transaction_id": "t" * 65},
    "empty id": {**PURCHASE, "transaction_id": ""},
    "unknown field": {**PURCHASE, "tip": 5},
    "unknown activity": {"transaction_id": "a-1", "kind": "activity", "activity": "dance"},
    "activity missing": {"transaction_id": "a-1", "kind": "activity"},
    "activity with an amount": {"transaction_id": "a-1", "kind": "activity", "activity": "review", "amount_minor": 5},
    "body not an object": [PURCHASE],
}


@pytest.mark.parametrize("case", sorted(BAD_ACCRUALS))
def test_bad_accrual_is_refused_with_the_error_shape_and_changes_nothing(moto_aws: None, case: str) -> None:
    enroll("m-1")
    before = snapshot("m-1")
    answer = call("POST", "/v1/members/m-1/accruals", BAD_ACCRUALS[case], **SERVICE)
    assert answer.status == 422, (case, answer.status, answer.body)
    assert set(answer.body) == {"error"} and set(answer.body["error"]) == {"code", "message"}
    assert answer.body["error"]["code"] and answer.body["error"]["message"]
    assert snapshot("m-1") == before


def test_lines_exactly_up_to_the_amount_and_ids_of_64_characters_are_fine(moto_aws: None) -> None:
    enroll("m-1")
    body = accrue("m-1", "A-z_0.9:" + "x" * 56, 10_000, lines=[{"amount_minor": 100}] * 100)
    assert body["accrual"]["points"] == 100


BAD_OTHERS: list[tuple[str, str, str, Any, dict[str, str], int]] = [
    ("redeem quantity 0", "POST", "/v1/members/m-1/redemptions", {"redemption_id": "r", "reward_id": "coffee",
                                                                   "quantity": 0}, SERVICE, 422),
    ("redeem quantity as string", "POST", "/v1/members/m-1/redemptions", {"redemption_id": "r", "reward_id": "coffee",
                                                                           "quantity": "1"}, SERVICE, 422),
    ("redeem unknown field", "POST", "/v1/members/m-1/redemptions", {"redemption_id": "r", "reward_id": "coffee",
                                                                      "note": "x"}, SERVICE, 422),
    ("redeem missing reward", "POST", "/v1/members/m-1/redemptions", {"redemption_id": "r"}, SERVICE, 422),
    ("redeem unknown reward", "POST", "/v1/members/m-1/redemptions", {"redemption_id": "r", "reward_id": "boat"},
     SERVICE, 404),
    ("transfer negative", "POST", "/v1/members/m-1/transfers", {"transfer_id": "x", "to_member_id": "m-2",
                                                                 "points": -5}, ADMIN, 422),
    ("transfer fraction", "POST", "/v1/members/m-1/transfers", {"transfer_id": "x", "to_member_id": "m-2",
                                                                 "points": 1.5}, ADMIN, 422),
    ("transfer over 10^9", "POST", "/v1/members/m-1/transfers", {"transfer_id": "x", "to_member_id": "m-2",
                                                                  "points": 10**9 + 1}, ADMIN, 422),
    ("adjust zero", "POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 0, "reason": "x"},
     ADMIN, 422),
    ("adjust no reason", "POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 5}, ADMIN, 422),
    ("adjust string points", "POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": "5",
                                                                            "reason": "x"}, ADMIN, 422),
    ("reversal negative", "POST", "/v1/members/m-1/accruals/t-1/reversals", {"reversal_id": "r", "amount_minor": -1},
     SERVICE, 422),
    ("reversal unknown field", "POST", "/v1/members/m-1/accruals/t-1/reversals", {"reversal_id": "r", "x": 1},
     SERVICE, 422),
    ("enroll bad id", "POST", "/v1/members", {"member_id": "m 3"}, SERVICE, 422),
    ("enroll unknown field", "POST", "/v1/members", {"member_id": "m-3", "tier": "Platinum"}, SERVICE, 422),
    ("enroll twice", "POST", "/v1/members", {"member_id": "m-1"}, SERVICE, 409),
    ("enroll unknown referral code", "POST", "/v1/members", {"member_id": "m-3", "referral_code": "ZZZZZZZZ"},
     SERVICE, 404),
    ("history limit 0", "GET", "/v1/members/m-1/transactions", None, SERVICE, 422),
    ("unknown member", "GET", "/v1/members/ghost", None, SERVICE, 404),
]


@pytest.mark.parametrize("case", BAD_OTHERS, ids=[c[0] for c in BAD_OTHERS])
def test_other_bad_requests(moto_aws: None, case: tuple[str, str, str, Any, dict[str, str], int]) -> None:
    _, method, path, body, who, status = case
    enroll("m-1")
    enroll("m-2")
    accrue("m-1", "t-1", 1_000)
    before = snapshot("m-1"), snapshot("m-2")
    query = {"limit": "0"} if "limit 0" in case[0] else None
    answer = call(method, path, body, query=query, **who)
    assert answer.status == status, answer.body
    assert set(answer.body) == {"error"} and set(answer.body["error"]) == {"code", "message"}
    assert (snapshot("m-1"), snapshot("m-2")) == before
    assert audit_all() == (2, [])


# --- authorization matrix ------------------------------------------------------------------------------------------

ALLOWED = {
    "self": {"enroll", "read", "history", "redeem", "cancel", "transfer"},
    "service": {"enroll", "read", "history", "accrue", "reverse", "redeem", "cancel"},
    "admin": {"enroll", "read", "history", "accrue", "reverse", "redeem", "cancel", "transfer", "adjust", "stats"},
    "other": set(),
}


def request_for(action: str, target: str, n: int) -> tuple[str, str, Any]:
    other = "m-2" if target != "m-2" else "m-1"
    return {
        "enroll": ("POST", "/v1/members", {"member_id": target}),
        "read": ("GET", f"/v1/members/{target}", None),
        "history": ("GET", f"/v1/members/{target}/transactions", None),
        "accrue": ("POST", f"/v1/members/{target}/accruals", {"transaction_id": f"t{n}", "kind": "purchase",
                                                              "amount_minor": 100, "currency": "USD"}),
        "reverse": ("POST", f"/v1/members/{target}/accruals/seed/reversals", {"reversal_id": f"v{n}", "amount_minor": 1}),
        "redeem": ("POST", f"/v1/members/{target}/redemptions", {"redemption_id": f"r{n}", "reward_id": "charity-100"}),
        "cancel": ("POST", f"/v1/members/{target}/redemptions/r{n}/cancellation", None),
        "transfer": ("POST", f"/v1/members/{target}/transfers", {"transfer_id": f"x{n}", "to_member_id": other,
                                                                 "points": 1}),
        "adjust": ("POST", f"/v1/admin/members/{target}/adjustments", {"adjustment_id": f"a{n}", "points": 1,
                                                                      "reason": "x"}),
        "stats": ("GET", "/v1/admin/stats", None),
    }[action]


def claims(caller: str, target: str) -> dict[str, Any]:
    return {"self": {"sub": target, "scope": ""}, "other": {"sub": "m-3", "scope": "openid profile"},
            "service": SERVICE, "admin": {"sub": "ops", "scope": "openid loyalty/admin"}}[caller]


@pytest.mark.parametrize("caller", sorted(ALLOWED))
def test_authorization_matrix(moto_aws: None, caller: str) -> None:
    for m in ("m-1", "m-2", "m-3"):
        enroll(m)
        credit(m, 10_000, "seed-credit")
        accrue(m, "seed", 10_000)
    wrong: list[Any] = []
    for n, action in enumerate(sorted(ALLOWED["admin"])):
        target = f"new-{caller}" if action == "enroll" else "m-1"
        if action == "cancel":  # a redemption of the target to cancel
            ok(redeem(target, f"r{n}", "charity-100"))
        method, path, body = request_for(action, target, n)
        before = snapshot("m-1")
        answer = call(method, path, body, **claims(caller, target))
        allowed = action in ALLOWED[caller]
        if allowed and answer.status not in (200, 201):
            wrong.append((caller, action, answer.status, answer.body))
        if not allowed:
            if answer.status != 403 or answer.body["error"]["code"] != "FORBIDDEN":
                wrong.append((caller, action, answer.status, answer.body))
            if snapshot("m-1") != before:
                wrong.append((caller, action, "changed the member"))
        no_token = call(method, path, body, sub=None)
        if no_token.status != 401:
            wrong.append(("no token", action, no_token.status))
    assert wrong == []
    assert audit_all()[1] == []


@pytest.mark.parametrize("action", ["read", "history", "redeem", "cancel", "transfer", "accrue", "adjust"])
def test_forbidden_is_403_never_404_for_a_member_that_does_not_exist(moto_aws: None, action: str) -> None:
    enroll("m-1")
    method, path, body = request_for(action, "ghost", 1)
    answer = call(method, path, body, sub="m-1", scope="")
    assert answer.status == 403, answer.body
    if action in ("transfer", "adjust"):
        assert call(method, path, body, **SERVICE).status == 403
    assert call(method, path, body, **ADMIN).status == 404


def test_member_token_acts_only_for_itself_with_any_scope_claim_shape(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    assert call("GET", "/v1/members/m-1", sub="m-1", scope="").status == 200
    assert call("GET", "/v1/members/m-2", sub="m-1", scope="openid").status == 403
    assert call("GET", "/v1/members/m-2", sub="m-1", scope="loyalty/serviceX").status == 403


def test_program_document_round_trips(moto_aws: None) -> None:
    public = ok(call("GET", "/v1/program", sub=None), 200)
    doc = program_document()
    assert public["earn"]["currencies"] == doc["earn"]["currencies"]
    assert [t["name"] for t in public["tiers"]] == [t["name"] for t in doc["tiers"]]
