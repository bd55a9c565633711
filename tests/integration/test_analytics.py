"""The analytics: kept by AnalyticsFunction from the Members stream, equal to the ledger's own sums whatever the
redeliveries, and served by GET /v1/admin/analytics and GET /v1/admin/stats."""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, ok, view
from tests.support.aws import program_document, put_program
from tests.support.fixtures import moto_account
from tests.support.functions import STREAMS, call, run, scheduled

Records = list[dict[str, Any]]


def analytics(first: date, last: date | None = None) -> dict[str, Any]:
    query = {"from": first.isoformat(), "to": (last or first).isoformat()}
    return ok(call("GET", "/v1/admin/analytics", query=query, **ADMIN), 200)  # type: ignore[no-any-return]


def today() -> date:
    return datetime.now(UTC).date()


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def purchase(member_id: str, tx: str, amount: int) -> None:
    ok(call("POST", f"/v1/members/{member_id}/accruals",
            {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}, **SERVICE))


def adjust(member_id: str, key: str, points: int) -> None:
    ok(call("POST", f"/v1/admin/members/{member_id}/adjustments",
            {"adjustment_id": key, "points": points, "reason": "test"}, **ADMIN))


def redeem(member_id: str, rid: str, reward: str) -> int:
    return call("POST", f"/v1/members/{member_id}/redemptions", {"redemption_id": rid, "reward_id": reward},
                **SERVICE).status


@pytest.fixture
def analytics_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Records]]:
    """Every batch the stream delivered to AnalyticsFunction, in order."""
    batches: list[Records] = []
    deliver = STREAMS.invoke

    def recording(function: str, event: dict[str, Any]) -> Any:
        if function == "AnalyticsFunction":
            batches.append(list(event["Records"]))
        return deliver(function, event)

    monkeypatch.setattr(STREAMS, "invoke", recording)
    yield batches


# --- what each operation adds --------------------------------------------------------------------------------------


def test_each_operation_moves_its_own_figure(moto_aws: None) -> None:
    day = today()
    enroll("m-1")
    enroll("m-2")
    purchase("m-1", "t-1", 7000)  # 70, pending
    adjust("m-1", "a-1", 2000)
    adjust("m-2", "a-2", -50)
    assert redeem("m-1", "r-1", "coffee") == 201
    assert redeem("m-1", "r-2", "five-off") == 201
    ok(call("POST", "/v1/members/m-1/redemptions/r-2/cancellation", {}, **SERVICE))
    ok(call("POST", "/v1/members/m-1/accruals/t-1/reversals", {"reversal_id": "rv-1", "amount_minor": 3500},
            **SERVICE))
    ok(call("POST", "/v1/members/m-1/transfers", {"transfer_id": "x-1", "to_member_id": "m-2", "points": 10},
            **ADMIN))
    figures = analytics(day)
    [got] = figures["days"]
    outstanding = sum(view(m)["balance"]["available"] + view(m)["balance"]["pending"] for m in ("m-1", "m-2"))
    assert got == {"date": day.isoformat(), "issued": 100 + 100 + 70, "redeemed": 500, "expired": 0,
                   "reversed": 35, "adjusted": 2000 - 50, "outstanding": outstanding,
                   "active_members": 1, "new_members": 2}
    assert figures["totals"] == {k: v for k, v in got.items() if k != "date"}
    assert figures["redemption_rate"] == round(500 / 270, 4)
    assert figures["breakage_rate"] == 0.0
    assert figures["liability"] == {"amount_minor": outstanding, "currency": "USD"}
    assert figures["tiers"] == {"Member": 2, "Silver": 0, "Gold": 0, "Platinum": 0}
    assert figures["top_rewards"] == [{"reward_id": "coffee", "redemptions": 1, "points": 500}]
    stats = ok(call("GET", "/v1/admin/stats", **ADMIN), 200)
    assert stats["points"] == {"issued": 270 + 2000, "reversed": 35, "redeemed": 500, "expired": 0, "debited": 50,
                               "outstanding": outstanding}
    assert stats["members"] == 2


def test_outstanding_at_each_days_end_and_the_point_value(moto_aws: None) -> None:
    document = program_document()
    document["point_value_minor"], document["point_value_currency"] = 2, "EUR"
    put_program(document)
    day = today()
    enroll("m-1")
    adjust("m-1", "a-1", 400)
    expiry = day + timedelta(days=366)
    scheduled("ExpireFunction", datetime.combine(expiry, datetime.min.time(), UTC) + timedelta(hours=1))
    now, later = analytics(day), analytics(expiry - timedelta(days=1), expiry)
    assert now["days"][0]["outstanding"] == 500 and now["liability"] == {"amount_minor": 1000, "currency": "EUR"}
    assert [d["outstanding"] for d in later["days"]] == [500, 0]
    assert [d["expired"] for d in later["days"]] == [0, 500]
    assert later["breakage_rate"] == 1.0 and later["redemption_rate"] is None


def test_a_member_is_active_once_a_day(moto_aws: None) -> None:
    enroll("m-1")
    for n in range(3):
        purchase("m-1", f"t-{n}", 1000)
    assert redeem("m-1", "r-1", "charity-100") == 201
    assert analytics(today())["days"][0]["active_members"] == 1


def test_a_range_is_checked(moto_aws: None) -> None:
    day = today()
    for query in ({"from": day.isoformat(), "to": (day - timedelta(days=1)).isoformat()},
                  {"from": (day - timedelta(days=366)).isoformat(), "to": day.isoformat()},
                  {"from": "2026-13-01"}, {"to": "yesterday"}, {"to": "0"}, {"from": "20261201"}):
        answer = call("GET", "/v1/admin/analytics", query=query, **ADMIN)
        assert answer.status == 422, (query, answer.body)
    assert len(ok(call("GET", "/v1/admin/analytics", **ADMIN), 200)["days"]) == 30
    assert call("GET", "/v1/admin/analytics", **SERVICE).status == 403


# --- exact under redelivery ----------------------------------------------------------------------------------------


def test_a_redelivered_batch_counts_nothing_twice(moto_aws: None, analytics_batches: list[Records]) -> None:
    enroll("m-1")
    purchase("m-1", "t-1", 5000)
    assert redeem("m-1", "r-1", "charity-100") == 201
    before = analytics(today())
    records = [r for batch in analytics_batches for r in batch]
    assert len(records) == 3
    assert run("AnalyticsFunction", {"Records": records}) == {"records": 3, "counted": 0}
    assert run("AnalyticsFunction", {"Records": records[1:2]}) == {"records": 1, "counted": 0}
    assert analytics(today()) == before


def ledger_sums(member_ids: list[str]) -> dict[str, dict[str, int]]:
    """The figures of each day, from the ledger itself: what the analytics must equal."""
    days: dict[str, Counter[str]] = defaultdict(Counter)
    active: dict[str, set[str]] = defaultdict(set)
    for member_id in member_ids:
        for e in repository.entries_of(member_id):
            day, kind = e.created_at.date().isoformat(), e.key.split("#", 1)[0]
            flows = days[day]
            flows["net"] += e.points
            if e.type == "accrual":
                flows["issued"] += e.points
                flows["new_members"] += kind == "welcome"
            elif e.type in ("redemption", "cancellation"):
                forfeited = int(e.detail.get("expired_points", 0))
                flows["redeemed"] -= e.points + forfeited
                flows["expired"] += forfeited
            elif e.type in ("expiry", "reversal"):
                flows["expired" if e.type == "expiry" else "reversed"] -= e.points
            elif e.type == "adjustment":
                flows["adjusted"] += e.points
            if kind in ("accrual", "redemption", "transfer_out"):
                active[day].add(member_id)
    for day, members in active.items():
        days[day]["active_members"] = len(members)
    return {day: dict(flows) for day, flows in days.items()}


def redelivering(rng: random.Random) -> Callable[[str, dict[str, Any]], Any]:
    """Deliver each analytics batch, then again at random: whole, a slice, or with earlier records mixed in."""
    deliver, seen = STREAMS.invoke, []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        result = deliver(function, event)
        if function == "AnalyticsFunction":
            seen.extend(event["Records"])
            for _ in range(rng.randrange(3)):
                start = rng.randrange(len(seen))
                again = seen[start:start + rng.randrange(1, 8)]
                assert deliver(function, {"Records": again})["counted"] == 0
        return result

    return invoke


OPERATIONS = st.lists(st.tuples(st.sampled_from(["purchase", "adjust", "debit", "redeem", "cancel", "refund",
                                                 "transfer", "enroll"]),
                                st.integers(0, 2), st.integers(1, 40)), min_size=1, max_size=14)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, seed=st.integers(0, 2**16))
def test_the_analytics_equal_the_ledgers_sums(monkeypatch: pytest.MonkeyPatch, operations: list[tuple[str, int, int]],
                                              seed: int) -> None:
    with moto_account(), monkeypatch.context() as patch:
        patch.setattr(STREAMS, "invoke", redelivering(random.Random(seed)))
        members = ["m-0", "m-1", "m-2"]
        for m in members[:2]:
            enroll(m)
        for n, (op, who, size) in enumerate(operations):
            member, key = members[who], f"k-{n}"
            if op == "enroll":
                call("POST", "/v1/members", {"member_id": member}, **SERVICE)
            elif op == "purchase":
                call("POST", f"/v1/members/{member}/accruals", {"transaction_id": key, "kind": "purchase",
                     "amount_minor": size * 1000, "currency": "USD"}, **SERVICE)
            elif op in ("adjust", "debit"):
                call("POST", f"/v1/admin/members/{member}/adjustments", {"adjustment_id": key, "reason": "t",
                     "points": size * 25 * (1 if op == "adjust" else -1)}, **ADMIN)
            elif op == "redeem":
                call("POST", f"/v1/members/{member}/redemptions", {"redemption_id": f"r-{size % 4}",
                     "reward_id": "charity-100"}, **SERVICE)
            elif op == "cancel":
                call("POST", f"/v1/members/{member}/redemptions/r-{size % 4}/cancellation", {}, **SERVICE)
            elif op == "refund":
                call("POST", f"/v1/members/{member}/accruals/k-{size % max(n, 1)}/reversals",
                     {"reversal_id": key, "amount_minor": 500}, **SERVICE)
            else:
                call("POST", f"/v1/members/{member}/transfers", {"transfer_id": key, "points": size,
                     "to_member_id": members[(who + 1) % 3]}, **ADMIN)
        expected = ledger_sums(members)
        day = today().isoformat()
        [got] = analytics(today())["days"]
        mine = expected.get(day, {})
        assert {k: got[k] for k in ("issued", "redeemed", "expired", "reversed", "adjusted", "active_members",
                                    "new_members")} == {k: mine.get(k, 0) for k in ("issued", "redeemed", "expired",
                                    "reversed", "adjusted", "active_members", "new_members")}
        assert got["outstanding"] == sum(f["net"] for f in expected.values())
        assert audit_all()[1] == []
