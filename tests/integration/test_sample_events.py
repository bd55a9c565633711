"""Every sample event in events/ is a valid input of its function (as `sam local invoke -e` would use it)."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto.events.models import EventPattern

from loyalty.storage import repository
from loyalty.storage.mapping import member_to_item
from tests.support import functions
from tests.support.aws import TEMPLATE

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_DAY = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # the samples' own day
ORDER = ["enroll", "enroll_referral", "member_update", "accrue_purchase", "accrue_activity", "accrue_receipt",
         "payment_captured", "accrue_reversal",
         "payment_refunded", "admin_adjustment", "redeem", "redeem_cancel", "transfer", "member_view",
         "member_history", "admin_stats", "admin_program_get", "admin_program_put", "admin_program_revisions",
         "catalog_rewards", "catalog_program", "catalog_openapi", "catalog_docs", "admin_simulate_accrual",
         "admin_import", "admin_import_upload", "admin_import_start", "import_continued",
         "admin_import_status", "admin_import_refusals",
         "points_accrued", "referral_qualified", "schedule_daily", "points_clock_continued", "schedule_tier_review",
         "schedule_weekly", "member_stream", "schedule_export_daily", "export_get", "export_create", "export_requested",
         "bulk_credit_start", "bulk_credit_status", "bulk_credit_work",
         "member_export", "admin_block", "admin_unblock", "member_erase",
         "member_figures_stream", "admin_analytics"]


def target(event: dict[str, Any]) -> str:
    """The function template.yaml sends the event to: by route, by the schedule rule named in `resources` (SAM
    names it <stack>-<FunctionId><EventName>-<suffix>), by a rule's pattern, or by the stream."""
    if "routeKey" in event:
        return functions.route(event["requestContext"]["http"]["method"], event["rawPath"])[0]
    if "Records" in event and event["Records"][0].get("eventSource") == "aws:sqs":
        [queue] = TEMPLATE.queue_sources()
        return queue.function
    if "Records" in event:  # the stream source whose filter takes the record
        record = event["Records"][0]
        [source] = [s for s in TEMPLATE.stream_sources()
                    if any(EventPattern.load(f).matches_event(record) for f in s.filters)]
        return source.function
    rules = TEMPLATE.rules()
    if event["detail-type"] == "Scheduled Event":
        [rule] = [r for r in rules if r.schedule and any(r.name.replace("-", "") in arn for arn in event["resources"])]
    else:
        [rule] = [r for r in rules if r.pattern and event["source"] in r.pattern["source"]
                  and event["detail-type"] in r.pattern["detail-type"]]
    return rule.function


def give_referral_code(member_id: str, code: str) -> None:
    member = repository.get_member(member_id)
    assert member is not None
    member.referral_code = code
    member_to_item(member).save()


def put_import_file(import_id: str, members: list[dict[str, Any]]) -> None:
    body = "".join(json.dumps(m) + "\n" for m in members).encode()
    boto3.client("s3").put_object(Bucket="importsbucket", Key=f"imports/{import_id}.jsonl", Body=body)


def accepted(name: str, event: dict[str, Any], result: Any) -> None:
    """What every answer of its kind shows: a 2xx, a batch with no failures, a stream count, a report."""
    if "routeKey" in event:
        assert result["statusCode"] in (200, 201, 202), (name, result.get("body"))
    elif name == "member_figures_stream":
        assert result == {"records": 1, "counted": 1}, result
    elif "Records" in event:
        assert result == {"batchItemFailures": []}, (name, result)
    else:
        assert isinstance(result, dict), (name, result)


def body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def clock_ran(result: dict[str, Any]) -> None:
    assert result["time"] == "2026-11-23T00:05:00.000000Z", result  # the run's time, not the clock's nor the delivery's


def daily_clock_ran(result: dict[str, Any]) -> None:
    clock_ran(result)
    assert result["birthday_points"] == 250, result  # member_update gave m-1001 the samples' day as its birthday


def receipt_earned(result: dict[str, Any]) -> None:
    assert body(result)["accrual"]["points"] == 45, result


def member_imported(result: dict[str, Any]) -> None:
    assert body(result)["results"][0]["status"] == "imported", result


def upload_stored(result: dict[str, Any]) -> None:  # what a PUT to its URL would store: one member a line
    put_import_file("migration-2026-11-file", [{"member_id": "m-2002", "lots": [
        {"points": 400, "earned_at": "2026-05-01T09:00:00Z", "expires_at": "2027-05-01T00:00:00Z"}]}])


def import_done(result: dict[str, Any]) -> None:
    assert result["status"] == "done" and result["counts"]["imported"] == 1, result


def referral_paid(result: dict[str, Any]) -> None:
    assert result["referral"]["points"] == 500, result


def exports_done(result: dict[str, Any]) -> None:  # the day before the schedule's: its ledger file and the members
    assert [j["export_id"] for j in result["jobs"]] == ["daily-ledger-2026-11-22", "daily-members-2026-11-22"]
    assert all(j["status"] == "done" for j in result["jobs"]), result


def bulk_credited(result: dict[str, Any]) -> None:  # queued by the POST, worked before its answer (as the local run does)
    assert body(result)["credited"] == 2, result


def bulk_not_again(result: dict[str, Any]) -> None:  # a redelivery of the POST's message: credits nobody again
    assert [e.points for e in repository.entries_of("m-1002") if e.key.startswith("adjustment#bulk#")] == [200]


def referrer_coded(result: dict[str, Any]) -> None:
    give_referral_code("m-1001", "K7QX2M")  # the referral sample names this code


# what a sample's answer must also show, or what the next samples need done after it
AFTER: dict[str, Callable[[dict[str, Any]], None]] = {
    "schedule_daily": daily_clock_ran, "points_clock_continued": clock_ran, "accrue_receipt": receipt_earned,
    "admin_import": member_imported, "admin_import_upload": upload_stored, "import_continued": import_done,
    "referral_qualified": referral_paid, "schedule_export_daily": exports_done, "bulk_credit_status": bulk_credited,
    "bulk_credit_work": bulk_not_again, "enroll": referrer_coded,
}


def test_every_sample_event_is_accepted(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(SAMPLE_DAY)  # the samples carry fixed dates: run the handlers as of that day, so they never go stale
    assert sorted(ORDER) == sorted(p.stem for p in EVENTS.glob("*.json")), "a sample event is not exercised"
    assert set(AFTER) <= set(ORDER)
    for name in ORDER:
        event = json.loads((EVENTS / f"{name}.json").read_text())
        result = functions.invoke(target(event), event)
        accepted(name, event, result)
        AFTER.get(name, lambda _: None)(result)
    assert repository.get_member("m-1002").referred_by == "m-1001"  # type: ignore[union-attr]
