"""The points clock and the tier jobs, driven by the Scheduled Event's time (never the real clock)."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.service.ledger_audit import audit_all
from tests.support.api import ADMIN, SERVICE, history, midnight, ok, view
from tests.support.aws import TEMPLATE
from tests.support.functions import bus_event, call, scheduled

T0 = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def accrue(member_id: str, tx: str, amount: int) -> dict[str, Any]:
    return ok(call("POST", f"/v1/members/{member_id}/accruals",  # type: ignore[no-any-return]
                   {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}, **SERVICE))


def credit(member_id: str, points: int, key: str) -> None:
    ok(call("POST", f"/v1/admin/members/{member_id}/adjustments",
            {"adjustment_id": key, "points": points, "reason": "test"}, **ADMIN))


def state(member_id: str) -> tuple[Any, ...]:
    return view(member_id), history(member_id)


def clean() -> None:
    assert audit_all()[1] == []


# --- the points clock --------------------------------------------------------------------------------------------------

def test_pending_purchase_points_are_released_after_14_days_as_of_the_event_time(
        moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    body = accrue("m-1", "t-1", 12_345)
    hold_ends = T0 + timedelta(days=14)
    assert body["accrual"]["status"] == "pending"
    assert datetime.fromisoformat(body["accrual"]["available_at"].replace("Z", "+00:00")) == hold_ends
    assert view("m-1")["balance"] == {"available": 100, "pending": 123, "lifetime": 223, "qualifying": 123}

    report = scheduled("ExpireFunction", hold_ends - timedelta(seconds=1))
    assert report["released_points"] == 0
    assert view("m-1")["balance"]["pending"] == 123

    before_history = history("m-1")
    report = scheduled("ExpireFunction", hold_ends)  # the real clock is 14 days earlier: only the event's time counts
    assert report["released_points"] == 123
    assert view("m-1")["balance"] == {"available": 223, "pending": 0, "lifetime": 223, "qualifying": 123}
    assert history("m-1") == before_history  # releasing moves points between buckets, it is not a ledger change
    clean()

    after = state("m-1")
    report = scheduled("ExpireFunction", hold_ends)  # a re-run for the same time changes nothing
    assert report["released_points"] == 0 and report["expired_points"] == 0
    assert state("m-1") == after


def test_activity_points_and_back_dated_purchases_need_no_release(moto_aws: None,
                                                                  clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    old = (T0 - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "t-old", "kind": "purchase",
                                                         "amount_minor": 1_000, "currency": "USD", "occurred_at": old},
                   **SERVICE))
    assert body["accrual"]["status"] == "available"
    assert body["accrual"]["expires_at"] == midnight((T0 - timedelta(days=15)).date() + timedelta(days=365)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert view("m-1")["balance"]["available"] == 110


def test_lots_expire_exactly_to_the_day_with_ledger_entries_and_reruns_change_nothing(
        moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")  # 100 points expiring on D
    credit("m-1", 50, "a-1")  # 50 more on D
    clock_at(T0 + timedelta(days=1))
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "c-1", "kind": "activity", "activity": "checkin"},
            **SERVICE))  # 5 points on D + 1
    d = T0.date() + timedelta(days=365)
    assert view("m-1")["balance"]["available"] == 155

    # spendable on D - 1 ...
    clock_at(midnight(d) - timedelta(hours=1))
    assert [e for e in view("m-1")["expiring"]] == [{"date": d.isoformat(), "points": 150},
                                                    {"date": (d + timedelta(days=1)).isoformat(), "points": 5}]
    ok(call("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r-1", "reward_id": "charity-100"}, **SERVICE))
    report = scheduled("ExpireFunction", midnight(d) - timedelta(seconds=1))
    assert report["expired_points"] == 0
    assert view("m-1")["balance"]["available"] == 55

    # ... and gone on D, even before the clock has run
    clock_at(midnight(d) + timedelta(minutes=1))
    refused = call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "d-1", "points": -6, "reason": "x"},
                   **ADMIN)
    assert refused.status == 409 and refused.body["error"]["code"] == "INSUFFICIENT_POINTS"

    published.clear()
    report = scheduled("ExpireFunction", midnight(d))
    assert report["expired_points"] == 50
    assert view("m-1")["balance"] == {"available": 5, "pending": 0, "lifetime": 155, "qualifying": 5}
    entry = history("m-1")[0]
    assert (entry["type"], entry["points"]) == ("expiry", -50)
    assert [(k, e["member_id"], e["points"]) for k, e in published if k == "PointsExpired"] == [("PointsExpired", "m-1", 50)]
    clean()

    after = state("m-1")
    for again in (midnight(d), midnight(d) + timedelta(hours=12)):
        assert scheduled("ExpireFunction", again)["expired_points"] == 0
    assert state("m-1") == after

    assert scheduled("ExpireFunction", midnight(d + timedelta(days=1)))["expired_points"] == 5
    assert view("m-1")["balance"]["available"] == 0
    assert [h["type"] for h in history("m-1")[:2]] == ["expiry", "expiry"]
    clean()


def test_a_missed_day_is_caught_up_by_the_next_run(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    accrue("m-1", "t-1", 10_000)
    later = T0 + timedelta(days=400)  # release and expiry both overdue
    report = scheduled("ExpireFunction", later)
    assert report["released_points"] == 100
    assert report["expired_points"] == 200
    assert view("m-1")["balance"]["available"] == 0
    clean()


def test_expiring_soon_notice(moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    enroll("m-2")
    published.clear()
    d = T0.date() + timedelta(days=365)
    assert scheduled("ExpiringSoonFunction", midnight(d) - timedelta(days=31))["members_notified"] == 0
    assert scheduled("ExpiringSoonFunction", midnight(d) - timedelta(days=29))["members_notified"] == 2
    notices = [e for k, e in published if k == "PointsExpiringSoon"]
    assert sorted(n["member_id"] for n in notices) == ["m-1", "m-2"]
    assert all(n["points"] == 100 for n in notices)
    notified_on = (midnight(d) - timedelta(days=29)).date().isoformat()
    assert sorted(n["event_id"] for n in notices) == [f"m-{i}/expiring-soon/{notified_on}" for i in (1, 2)]


# --- tiers -------------------------------------------------------------------------------------------------------------

def deliver_accrued_events(published: list[tuple[str, dict[str, Any]]], when: datetime) -> list[Any]:
    """Hand the PointsAccrued events the accruals published to TierEvaluateFunction, as the bus rule would."""
    accrued = [detail for kind, detail in published if kind == "PointsAccrued"]
    published.clear()
    return [bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued", detail, when) for detail in accrued]


def test_points_accrued_upgrades_at_once_and_the_next_accrual_earns_the_new_multiplier(
        moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    published.clear()
    accrue("m-1", "t-1", 150_000)  # 1 500: still Member
    assert deliver_accrued_events(published, T0) == [{"member_id": "m-1", "changed": False}]
    assert view("m-1")["tier"] == "Member"
    accrue("m-1", "t-2", 350_000)  # 5 000 qualifying in total (pending included): Gold, skipping Silver
    assert deliver_accrued_events(published, T0) == [{"member_id": "m-1", "changed": True}]
    assert [(e["from"], e["to"]) for k, e in published if k == "TierChanged"] == [("Member", "Gold")]
    member = view("m-1")
    assert member["tier"] == "Gold"
    assert member["next_tier"] == {"name": "Platinum", "qualifying_needed": 15_000 - 5_000}
    assert accrue("m-1", "t-3", 10_000)["accrual"]["points"] == 150  # 100 x 1.5
    assert accrue("m-1", "t-4", 199)["accrual"]["points"] == 2  # 1.99 x 1.5 = 2.985, rounded down once
    clean()


def test_daily_review_downgrades_one_tier_at_a_time(moto_aws: None, clock_at: Callable[[datetime], None],
                                                    published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    enroll("m-2")
    accrue("m-1", "t-1", 1_500_000)  # 15 000: Platinum
    accrue("m-2", "t-1", 200_000)  # 2 000: Silver
    deliver_accrued_events(published, T0)
    assert (view("m-1")["tier"], view("m-2")["tier"]) == ("Platinum", "Silver")
    review = T0 + timedelta(days=365)

    def run(at: datetime) -> tuple[str, str]:
        scheduled("TierEvaluateFunction", at)
        return view("m-1")["tier"], view("m-2")["tier"]

    assert run(review - timedelta(days=1)) == ("Platinum", "Silver")
    published.clear()
    assert run(review) == ("Gold", "Member")
    assert sorted((e["member_id"], e["from"], e["to"]) for k, e in published if k == "TierChanged") == [
        ("m-1", "Platinum", "Gold"), ("m-2", "Silver", "Member")]
    assert run(review) == ("Gold", "Member")  # a re-run for the same day changes nothing
    assert run(review + timedelta(days=1)) == ("Gold", "Member")
    assert run(review + timedelta(days=365)) == ("Silver", "Member")
    assert run(review + timedelta(days=730)) == ("Member", "Member")
    assert run(review + timedelta(days=1095)) == ("Member", "Member")
    clean()


def test_review_keeps_a_tier_still_earned(moto_aws: None, clock_at: Callable[[datetime], None],
                                          published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    accrue("m-1", "t-1", 600_000)
    deliver_accrued_events(published, T0)
    assert view("m-1")["tier"] == "Gold"
    clock_at(T0 + timedelta(days=300))
    accrue("m-1", "t-2", 500_000)  # 5 000 more within the rolling year (at Gold: 7 500)
    published.clear()
    scheduled("TierEvaluateFunction", T0 + timedelta(days=365))
    assert view("m-1")["tier"] == "Gold"
    assert not [e for k, e in published if k == "TierChanged"]


def test_a_completed_run_reports_its_lag_as_the_clock_alarms_read_it(
        moto_aws: None, capsys: Any) -> None:
    capsys.readouterr()
    assert scheduled("ExpireFunction", T0)["complete"]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{") and "PointsClockLagSeconds" in line]
    assert len(emitted) == 1 and emitted[0]["function_name"] == "ExpireFunction"  # its logical id, locally
    (directive,) = emitted[0]["_aws"]["CloudWatchMetrics"]
    for alarm in ("PointsClockLagAlarm", "PointsClockStalledAlarm"):  # the same metric, namespace and dimensions
        props = TEMPLATE.properties(alarm)
        assert (props["Namespace"], props["MetricName"]) == (directive["Namespace"], "PointsClockLagSeconds")
        assert [sorted(d["Name"] for d in props["Dimensions"])] == [sorted(d) for d in directive["Dimensions"]]
        named = {d["Name"]: TEMPLATE.resolve(d["Value"]) for d in props["Dimensions"]}
        assert named == {"function_name": "ExpireFunction", "service": emitted[0]["service"]}
