"""Every trigger takes the event AWS sends (the samples in events/) and the one SAM CLI's `sam local generate-event`
makes for the same trigger, and does the right thing with either. SAM CLI has no EventBridge generator: its
scheduled event (`cloudwatch scheduled-event`, which lacks `version`) is the closest shape to a bus rule's event,
so the bus tests put our detail-type, source and detail into it. The details of our own events are taken as the
publisher sent them (from the `published` fixture), event_id included."""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import ValidationError

from tests.support.api import ADMIN, SERVICE, midnight, ok, view
from tests.support.functions import Context, call, invoke

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam" / "bin" / "sam"
T0 = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
SHAPES = ["aws", "sam"]  # the events/ sample's envelope, SAM CLI's generated one
Published = list[tuple[str, dict[str, Any]]]


@cache
def _generate(*args: str) -> str:
    if not SAM.exists():
        pytest.skip("SAM CLI is not installed in .venv-sam (make validate installs it)")
    done = subprocess.run([str(SAM), "local", "generate-event", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True, env={**os.environ, "SAM_CLI_TELEMETRY": "0"})
    return done.stdout


def generated(*args: str) -> dict[str, Any]:
    """A fresh copy of what `sam local generate-event <args>` prints (run once per test process, about 1 s)."""
    return json.loads(_generate(*args))  # type: ignore[no-any-return]


def sample(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())  # type: ignore[no-any-return]


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # as EventBridge writes `time`


def scheduled_event(shape: str, sample_name: str, when: datetime) -> dict[str, Any]:
    base = sample(sample_name) if shape == "aws" else generated("cloudwatch", "scheduled-event")
    return {**base, "time": z(when)}


def bus_event(shape: str, sample_name: str, source: str, detail_type: str, detail: dict[str, Any],
              when: datetime) -> dict[str, Any]:
    base = sample(sample_name) if shape == "aws" else generated("cloudwatch", "scheduled-event")
    return {**base, "source": source, "detail-type": detail_type, "detail": detail, "time": z(when)}


def enroll(member_id: str, referral_code: str | None = None) -> dict[str, Any]:
    body = {"member_id": member_id, **({"referral_code": referral_code} if referral_code else {})}
    return ok(call("POST", "/v1/members", body, **SERVICE))  # type: ignore[no-any-return]


def purchase(member_id: str, tx: str, amount_minor: int) -> dict[str, Any]:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount_minor, "currency": "USD"}
    return ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))  # type: ignore[no-any-return]


def of_kind(published: Published, kind: str) -> list[dict[str, Any]]:
    return [detail for k, detail in published if k == kind]


# --- what SAM CLI generates, against what AWS sends --------------------------------------------------------------------

def test_the_generated_events_lack_what_the_lenient_models_do_not_require() -> None:
    """The premise of the tests below: a strict model (Powertools' EventBridgeModel, which the handlers used)
    refuses SAM CLI's scheduled event; the samples carry the whole envelope AWS sends."""
    event = generated("cloudwatch", "scheduled-event")
    assert "version" not in event and event["detail-type"] == "Scheduled Event" and "time" in event
    with pytest.raises(ValidationError, match="version"):
        EventBridgeModel.model_validate(event)
    envelope = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    for name in ("schedule_daily", "schedule_tier_review", "schedule_weekly", "payment_captured", "payment_refunded",
                 "points_accrued", "referral_qualified", "points_clock_continued"):
        assert set(sample(name)) == envelope, name
        EventBridgeModel.model_validate(sample(name))
    insert, _, remove = generated("dynamodb", "update")["Records"]
    assert "member_id" not in insert["dynamodb"]["Keys"] and "NewImage" not in remove["dynamodb"]


# --- the scheduled functions: the event's time is "now" ----------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_expire_expires_the_lots_due_on_the_day_of_the_event_time(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    enroll("m-1")  # 100 welcome points, expiring on D
    due = T0.date() + timedelta(days=365)
    before = invoke("ExpireFunction", scheduled_event(shape, "schedule_daily", midnight(due) - timedelta(seconds=1)))
    assert before["expired_points"] == 0 and view("m-1")["balance"]["available"] == 100

    report = invoke("ExpireFunction", scheduled_event(shape, "schedule_daily", midnight(due)))
    assert report["time"] == f"{due.isoformat()}T00:00:00.000000Z"  # the event's time, not the real clock's
    assert (report["expired_points"], report["complete"]) == (100, True)
    assert view("m-1")["balance"]["available"] == 0
    assert [(e["member_id"], e["points"]) for e in of_kind(published, "PointsExpired")] == [("m-1", 100)]


def test_expire_runs_as_of_the_generated_events_own_time(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    report = invoke("ExpireFunction", generated("cloudwatch", "scheduled-event"))  # unedited: 1970-01-01
    assert report["time"] == "1970-01-01T00:00:00.000000Z" and report["expired_points"] == 0
    assert view("m-1")["balance"]["available"] == 100


@pytest.mark.parametrize("shape", SHAPES)
def test_the_tier_review_runs_as_of_the_event_time(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    enroll("m-1")
    purchase("m-1", "t-1", 200_000)  # 2 000 qualifying: Silver
    [accrued] = of_kind(published, "PointsAccrued")[-1:]
    invoke("TierEvaluateFunction", bus_event(shape, "points_accrued", "loyalty", "PointsAccrued", accrued, T0))
    assert view("m-1")["tier"] == "Silver"
    review = T0 + timedelta(days=365)  # the qualifying points have left the rolling year

    invoke("TierEvaluateFunction", scheduled_event(shape, "schedule_tier_review", review - timedelta(days=1)))
    assert view("m-1")["tier"] == "Silver"
    published.clear()
    report = invoke("TierEvaluateFunction", scheduled_event(shape, "schedule_tier_review", review))
    assert (report["members"], report["complete"]) == (1, True)
    assert view("m-1")["tier"] == "Member"
    assert [(e["member_id"], e["from"], e["to"], e["reason"]) for e in of_kind(published, "TierChanged")] == [
        ("m-1", "Silver", "Member", "review")]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_expiring_soon_notice_is_dated_by_the_event_time(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    enroll("m-1")
    published.clear()
    due = T0.date() + timedelta(days=365)
    far = invoke("ExpiringSoonFunction", scheduled_event(shape, "schedule_weekly", midnight(due) - timedelta(days=31)))
    assert far == {"members_notified": 0}
    notified = midnight(due) - timedelta(days=29)
    assert invoke("ExpiringSoonFunction", scheduled_event(shape, "schedule_weekly", notified)) == {
        "members_notified": 1}
    [notice] = of_kind(published, "PointsExpiringSoon")
    assert (notice["member_id"], notice["points"]) == ("m-1", 100)
    assert notice["event_id"] == f"m-1/expiring-soon/{notified.date().isoformat()}"


def test_a_scheduled_function_needs_only_the_time() -> None:
    """What a handler reads is all that is required: a schedule's `time` (and `detail-type` where it tells a
    schedule from a bus event); a time without a zone is refused rather than read as local."""
    from loyalty.api.triggers import ScheduledEvent, ScheduledRun

    assert ScheduledEvent.model_validate({"time": "2026-11-23T09:00:00Z"}).time == datetime(2026, 11, 23, 9, tzinfo=UTC)
    with pytest.raises(ValidationError):
        ScheduledEvent.model_validate({"time": "2026-11-23T09:00:00"})
    assert ScheduledRun.model_validate({"time": "2026-11-23T09:00:00Z", "detail-type": "Scheduled Event"})
    with pytest.raises(ValidationError):
        ScheduledRun.model_validate({"time": "2026-11-23T09:00:00Z"})


# --- the bus rules -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_payment_events_earn_and_reverse(shape: str, moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    captured = {**sample("payment_captured")["detail"], "member_id": "m-1", "occurred_at": z(T0 - timedelta(hours=1))}
    invoke("AccrueFunction", bus_event(shape, "payment_captured", "payments", "PaymentCaptured", captured, T0))
    earned = 64  # 49.99 EUR at 1 a unit, its 15.00 of promo lines twice: 64.99, rounded down
    assert view("m-1")["balance"] == {"available": 100, "pending": earned, "lifetime": 100 + earned,
                                      "qualifying": earned}

    refunded = {**sample("payment_refunded")["detail"], "member_id": "m-1"}  # 1 500 of the 4 999
    invoke("AccrueFunction", bus_event(shape, "payment_refunded", "payments", "PaymentRefunded", refunded, T0))
    back = earned * 1500 // 4999
    assert view("m-1")["balance"]["pending"] == earned - back


@pytest.mark.parametrize("shape", SHAPES)
def test_points_accrued_as_published_upgrades_the_tier(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    enroll("m-1")
    purchase("m-1", "t-1", 500_000)  # 5 000 qualifying: Gold
    [accrued] = of_kind(published, "PointsAccrued")[-1:]
    assert accrued["event_id"]  # the consumer takes the detail whole, its id included
    event = bus_event(shape, "points_accrued", "loyalty", "PointsAccrued", accrued, T0)
    assert invoke("TierEvaluateFunction", event) == {"member_id": "m-1", "changed": True}
    assert view("m-1")["tier"] == "Gold"


@pytest.mark.parametrize("shape", SHAPES)
def test_referral_qualified_as_published_pays_the_referrer_dated_when_it_qualified(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    code = enroll("alice")["referral_code"]
    enroll("bob", code)
    purchase("bob", "p-1", 2_000)
    [qualified] = of_kind(published, "ReferralQualified")
    assert qualified["event_id"]
    later = T0 + timedelta(days=3)  # a late delivery: the bonus is still dated when bob qualified
    invoke("AccrueFunction", bus_event(shape, "referral_qualified", "loyalty", "ReferralQualified", qualified, later))
    assert view("alice")["balance"]["available"] == 600
    history = ok(call("GET", "/v1/members/alice/transactions", **ADMIN), 200)["items"]
    [bonus] = [h for h in history if h["entry_id"] == "referral#bob"]
    assert (bonus["points"], bonus["created_at"][:19]) == (500, z(T0)[:19])


@pytest.mark.parametrize("shape", SHAPES)
def test_a_continuation_as_published_runs_as_of_the_interrupted_runs_time(
        shape: str, moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    clock_at(T0)
    enroll("m-1")
    due = midnight(T0.date() + timedelta(days=365))
    published.clear()
    cut_short = invoke("ExpireFunction", scheduled_event(shape, "schedule_daily", due), Context(remaining_ms=0))
    assert (cut_short["complete"], cut_short["expired_points"]) == (False, 0)
    [continued] = of_kind(published, "PointsClockContinued")

    delivered = due - timedelta(days=2)  # the envelope's time is not the run's: only the detail's time counts
    event = bus_event(shape, "points_clock_continued", "loyalty", "PointsClockContinued", continued, delivered)
    report = invoke("ExpireFunction", event)
    assert (report["time"], report["expired_points"], report["complete"]) == (cut_short["time"], 100, True)
    assert view("m-1")["balance"]["available"] == 0


@pytest.mark.parametrize(("function", "detail_type"), [("ExpireFunction", "PointsAccrued"),
                                                       ("TierEvaluateFunction", "PointsClockContinued")])
def test_an_event_a_function_is_not_subscribed_to_is_refused_not_run_as_a_schedule(
        function: str, detail_type: str, moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    due = midnight(T0.date() + timedelta(days=365))
    with pytest.raises(ValidationError):
        invoke(function, {**generated("cloudwatch", "scheduled-event"), "detail-type": detail_type, "time": z(due)})
    assert view("m-1")["balance"]["available"] == 100


# --- the Members table's stream ----------------------------------------------------------------------------------------

OUTBOX = json.dumps([["PointsAccrued", {"member_id": "m-7", "transaction_id": "t-1", "points": 5, "status": "available",
                                        "kind": "activity", "available_at": "2026-11-23T10:00:00.000000Z",
                                        "expires_at": "2027-11-23T00:00:00Z"}]])


def member_image(member_id: str, version: int, outbox: str) -> dict[str, Any]:
    return {"member_id": {"S": member_id}, "version": {"N": str(version)}, "outbox": {"S": outbox}}


def test_the_generated_stream_event_is_skipped_record_by_record(moto_aws: None, published: Published) -> None:
    """None of its records carries an outbox (nothing to announce; on AWS the mapping's filter keeps them away)."""
    assert invoke("AnnounceFunction", generated("dynamodb", "update")) == {"batchItemFailures": []}
    assert published == []


def test_generated_stream_records_of_our_table_are_announced_with_their_ids(moto_aws: None, published: Published) -> None:
    event = generated("dynamodb", "update")
    insert, modify, _ = event["Records"]  # and a REMOVE, which has no new image
    insert["dynamodb"]["Keys"] = modify["dynamodb"]["Keys"] = {"member_id": {"S": "m-7"}}
    insert["dynamodb"]["NewImage"] = member_image("m-7", 4, OUTBOX)
    modify["dynamodb"]["NewImage"] = {"member_id": {"S": "m-7"}, "version": {"N": "5"}}  # a write without events
    assert invoke("AnnounceFunction", event) == {"batchItemFailures": []}
    assert [(kind, detail["event_id"], detail["points"]) for kind, detail in published] == [
        ("PointsAccrued", "m-7/4/0", 5)]


def test_a_record_with_an_outbox_but_not_our_keys_is_a_batch_item_failure(moto_aws: None, published: Published) -> None:
    """Its events cannot be given their ids, and skipping it would drop them silently: it is reported, so the
    stream retries it and then sends it to the on-failure queue; the other records are announced."""
    event = generated("dynamodb", "update")
    broken, ours, _ = event["Records"]
    broken["dynamodb"]["NewImage"]["outbox"] = {"S": OUTBOX}  # its keys stay SAM's: {"Id": {"N": "101"}}
    ours["dynamodb"]["NewImage"] = member_image("m-7", 4, OUTBOX)
    assert invoke("AnnounceFunction", event) == {
        "batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    assert [detail["event_id"] for _, detail in published] == ["m-7/4/0"]
