"""BI exports through the real handlers in process, against moto: the POST's job handed over by its
ExportRequested event, the file at the presigned URL, continuations, duplicates, the daily schedule."""
from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from local.bus import event_of
from loyalty.answers import LedgerRow, MemberRow
from loyalty.domain.export_jobs import ExportJob, Part
from loyalty.service import exports as export_service
from loyalty.storage import export_files, export_store
from loyalty.storage.export_store import ExportJobItem
from tests.support.api import ADMIN, SERVICE, history, ok
from tests.support.functions import Context, bus_event, call, invoke, scheduled

Published = list[tuple[str, dict[str, Any]]]
DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few items a step, so that a small ledger takes several steps (and parts)."""
    monkeypatch.setattr(export_service, "PAGE_ITEMS", 3)
    monkeypatch.setattr(export_service, "LINES_PER_PART", 3)


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def accrue(member_id: str, tx: str, amount: int) -> None:
    ok(call("POST", f"/v1/members/{member_id}/accruals",
            {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}, **SERVICE))


def requested(published: Published, start: int = 0) -> list[dict[str, Any]]:
    return [detail for kind, detail in published[start:] if kind == "ExportRequested"]


def deliver(published: Published, context: Context | None = None) -> Any:
    """Deliver the latest ExportRequested to ExportFunction, as the bus rule does."""
    [*_, detail] = requested(published)
    event = event_of({"Source": "loyalty", "DetailType": "ExportRequested", "Detail": json.dumps(detail)})
    return invoke("ExportFunction", event, context)


def post_export(body: dict[str, Any]) -> str:
    answer = call("POST", "/v1/admin/exports", body, **ADMIN)
    assert answer.status == 202, answer.body
    return str(answer.body["export_id"])


def export_status(export_id: str) -> dict[str, Any]:
    return ok(call("GET", f"/v1/admin/exports/{export_id}", **ADMIN), 200)  # type: ignore[no-any-return]


def lines_at(url: str) -> list[str]:
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200, answer.text
    return gzip.decompress(answer.content).decode().splitlines()


def run_export(published: Published, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    export_id = post_export(body)
    assert export_status(export_id)["status"] == "running"
    deliver(published)
    status = export_status(export_id)
    assert status["status"] == "done", status
    return status, lines_at(status["url"])


def seeded_ledger() -> list[str]:
    members = [f"m-exp-{n}" for n in range(4)]
    for n, member_id in enumerate(members):
        enroll(member_id)
        for k in range(n):
            accrue(member_id, f"tx-{n}-{k}", 1000 * (k + 1))
    return members


def as_history(rows: list[LedgerRow]) -> dict[str, list[dict[str, Any]]]:
    by_member: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_member.setdefault(row.member_id, []).append(row.model_dump(exclude={"member_id"}))
    return {m: sorted(items, key=lambda i: i["entry_id"]) for m, items in by_member.items()}


def test_a_ledger_export_has_exactly_the_ledger_entries(moto_aws: None, published: Published,
                                                        small_pages: None) -> None:
    members = seeded_ledger()
    status, lines = run_export(published, {"kind": "ledger"})
    rows = [LedgerRow.model_validate_json(line) for line in lines]
    expected = {m: sorted(history(m), key=lambda i: i["entry_id"]) for m in members}
    assert as_history(rows) == expected
    assert status["rows"] == len(lines) == sum(len(items) for items in expected.values()) == 4 + 6
    assert status["kind"] == "ledger" and set(status) == {"export_id", "kind", "status", "rows", "url"}
    assert not boto3.client("s3").list_objects_v2(Bucket="exportsbucket", Prefix="parts/").get("Contents")


def test_from_and_to_select_the_days_of_the_entries(moto_aws: None, published: Published,
                                                    clock_at: Callable[[datetime], None]) -> None:
    for n in range(3):
        clock_at(DAY + timedelta(days=n))
        enroll(f"m-day-{n}")
        accrue(f"m-day-{n}", f"tx-day-{n}", 2000)
    day = (DAY + timedelta(days=1)).date().isoformat()
    status, lines = run_export(published, {"kind": "ledger", "from": day, "to": day})
    rows = [LedgerRow.model_validate_json(line) for line in lines]
    assert {r.member_id for r in rows} == {"m-day-1"} and len(rows) == status["rows"] == 2
    assert all(r.created_at.startswith(day) for r in rows)
    _, later = run_export(published, {"kind": "ledger", "from": day})
    assert {LedgerRow.model_validate_json(line).member_id for line in later} == {"m-day-1", "m-day-2"}
    _, earlier = run_export(published, {"kind": "ledger", "to": day})
    assert {LedgerRow.model_validate_json(line).member_id for line in earlier} == {"m-day-0", "m-day-1"}


def test_a_members_export_has_every_member_as_its_view_shows_it(moto_aws: None, published: Published,
                                                                small_pages: None) -> None:
    members = seeded_ledger()
    ok(call("PATCH", f"/v1/members/{members[1]}", {"segments": ["vip"]}, **SERVICE), 200)
    status, lines = run_export(published, {"kind": "members"})
    rows = {r.member_id: r for r in (MemberRow.model_validate_json(line) for line in lines)}
    assert set(rows) == set(members) and status["rows"] == 4
    for member_id in members:
        view = ok(call("GET", f"/v1/members/{member_id}", **ADMIN), 200)
        assert rows[member_id].balance.model_dump() == view["balance"]
        assert rows[member_id].tier == view["tier"] and rows[member_id].segments == view["segments"]
        assert rows[member_id].enrolled_at.endswith("Z")


class ScriptedTime(Context):
    """Plenty of time for the first `calls` checks, then none: the run stops between two steps."""

    def __init__(self, calls: int) -> None:
        super().__init__(logical_id="ExportFunction")
        self.calls = calls

    def get_remaining_time_in_millis(self) -> int:
        self.calls -= 1
        return 300_000 if self.calls >= 0 else 1_000


def test_an_interrupted_export_continues_and_writes_the_same_file(moto_aws: None, published: Published,
                                                                  small_pages: None) -> None:
    seeded_ledger()
    _, whole = run_export(published, {"kind": "ledger"})
    export_id = post_export({"kind": "ledger"})
    before = len(requested(published))
    result = deliver(published, ScriptedTime(calls=2))  # two steps, then too little time left
    assert result["job"]["status"] == "running" and result["job"]["step"] == 2
    assert len(requested(published)) == before + 1  # it asked to be continued
    while export_status(export_id)["status"] == "running":
        deliver(published, ScriptedTime(calls=1))  # one step per invocation
    status = export_status(export_id)
    assert status["status"] == "done" and status["rows"] == len(whole)
    assert lines_at(status["url"]) == whole


def test_a_duplicated_invocation_adds_no_line(moto_aws: None, published: Published, small_pages: None) -> None:
    seeded_ledger()
    export_id = post_export({"kind": "ledger"})
    first = requested(published)[-1]
    deliver(published, ScriptedTime(calls=1))  # one step
    # the same event delivered again, twice, while the job is half done: each carries on from the recorded step
    event = bus_event("ExportFunction", "loyalty", "ExportRequested", first)
    assert event["job"]["status"] == "done"
    again = bus_event("ExportFunction", "loyalty", "ExportRequested", first)
    assert again["job"]["status"] == "done" and again["job"]["rows"] == event["job"]["rows"]
    status = export_status(export_id)
    lines = lines_at(status["url"])
    assert len(lines) == len(set(lines)) == status["rows"] == 10


def test_two_invocations_at_the_same_step_count_it_once(moto_aws: None, published: Published,
                                                        small_pages: None) -> None:
    """One invocation reads a step while another records it first: the loser's page is dropped, not added."""
    seeded_ledger()
    export_id = post_export({"kind": "ledger"})
    detail = requested(published)[-1]
    from loyalty.storage import export_store as store

    original = store.advance
    raced: list[bool] = []

    def advance_after_a_rival(job: Any, after: Any) -> bool:
        if not raced:  # the first step: a duplicate delivery runs the whole job meanwhile
            raced.append(True)
            bus_event("ExportFunction", "loyalty", "ExportRequested", detail)
        return original(job, after)

    store.advance = advance_after_a_rival  # type: ignore[assignment]
    try:
        bus_event("ExportFunction", "loyalty", "ExportRequested", detail)
    finally:
        store.advance = original  # type: ignore[assignment]
    status = export_status(export_id)
    lines = lines_at(status["url"])
    assert status["status"] == "done" and len(lines) == len(set(lines)) == status["rows"] == 10


def test_the_daily_export_writes_the_day_and_a_re_run_overwrites_it(moto_aws: None, published: Published,
                                                                    clock_at: Callable[[datetime], None]) -> None:
    for n in range(2):
        clock_at(DAY + timedelta(days=n))
        enroll(f"m-daily-{n}")
    fired = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # the day after DAY: DAY's entries, every member
    result = scheduled("ExportFunction", fired)
    assert [j["status"] for j in result["jobs"]] == ["done", "done"]
    s3 = boto3.client("s3")
    day = DAY.date().isoformat()
    key = f"daily/ledger/day={day}/ledger.jsonl.gz"
    body = gzip.decompress(s3.get_object(Bucket="exportsbucket", Key=key)["Body"].read()).decode().splitlines()
    assert {LedgerRow.model_validate_json(line).member_id for line in body} == {"m-daily-0"}
    members_key = f"daily/members/day={day}/members.jsonl.gz"
    snapshot = gzip.decompress(s3.get_object(Bucket="exportsbucket", Key=members_key)["Body"].read())
    assert {MemberRow.model_validate_json(line).member_id for line in snapshot.decode().splitlines()} == {
        "m-daily-0", "m-daily-1"}
    assert export_status(f"daily-ledger-{day}")["rows"] == len(body)
    again = scheduled("ExportFunction", fired)  # a re-run of the same day: the same objects, written again
    assert [j["rows"] for j in again["jobs"]] == [j["rows"] for j in result["jobs"]]
    listed = s3.list_objects_v2(Bucket="exportsbucket", Prefix="daily/")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted([key, members_key])


@pytest.mark.parametrize("body", [
    {"kind": "points"}, {}, {"kind": "ledger", "from": "2026-11-20", "to": "2026-11-19"},
    {"kind": "ledger", "from": "2026-02-30"}, {"kind": "ledger", "from": "20261120"},
    {"kind": "ledger", "to": 20261120}, {"kind": "members", "from": "2026-11-20"},
    {"kind": "ledger", "format": "csv"},
])
def test_bad_requests_are_422_and_start_nothing(moto_aws: None, published: Published, body: dict[str, Any]) -> None:
    answer = call("POST", "/v1/admin/exports", body, **ADMIN)
    assert answer.status == 422 and answer.body["error"]["code"] == "INVALID_REQUEST", answer.body
    assert requested(published) == []


def test_unknown_exports_are_404_and_only_admins_export(moto_aws: None, published: Published) -> None:
    answer = call("GET", "/v1/admin/exports/nope", **ADMIN)
    assert answer.status == 404 and answer.body["error"]["code"] == "EXPORT_NOT_FOUND"
    export_id = post_export({"kind": "members"})
    for who in (SERVICE, {"sub": "m-1", "scope": ""}):
        assert call("POST", "/v1/admin/exports", {"kind": "ledger"}, **who).status == 403
        assert call("GET", f"/v1/admin/exports/{export_id}", **who).status == 403
    assert call("GET", f"/v1/admin/exports/{export_id}", sub=None).status == 401


def test_an_export_that_fails_is_failed_without_a_url(moto_aws: None, published: Published,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seeded_ledger()
    export_id = post_export({"kind": "ledger"})

    def refused(key: str, data: bytes) -> None:
        raise RuntimeError("S3 refused the part")

    monkeypatch.setattr(export_files, "put_part", refused)
    for _ in range(export_service.ATTEMPTS - 1):  # raised, so that Lambda retries it: still running
        with pytest.raises(RuntimeError):
            deliver(published)
        assert export_status(export_id)["status"] == "running"
    assert deliver(published)["job"]["status"] == "failed"  # the last attempt gives up
    monkeypatch.undo()
    assert deliver(published)["job"]["status"] == "failed"  # a retry of a failed job does not start it again
    status = export_status(export_id)
    assert (status["status"], status["url"], status["rows"]) == ("failed", None, 0)


def test_a_retry_after_a_failed_step_carries_on_to_the_same_file(moto_aws: None, published: Published,
                                                                small_pages: None,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seeded_ledger()
    _, whole = run_export(published, {"kind": "ledger"})
    export_id = post_export({"kind": "ledger"})
    original, calls = export_files.put_part, []

    def fails_once_at_the_third(key: str, data: bytes) -> None:
        calls.append(key)
        if len(calls) == 3:
            raise RuntimeError("S3 timed out")
        original(key, data)

    monkeypatch.setattr(export_files, "put_part", fails_once_at_the_third)
    with pytest.raises(RuntimeError):
        deliver(published)
    assert export_status(export_id)["rows"] == 6  # two steps recorded
    deliver(published)  # Lambda's retry of the same event
    status = export_status(export_id)
    assert status["status"] == "done" and lines_at(status["url"]) == whole


def test_a_post_whose_event_is_not_published_leaves_no_job_running(moto_aws: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.platform import bus

    def down(events: list[tuple[str, dict[str, Any]]]) -> None:
        raise bus.EventsNotPublished("the bus is down")

    monkeypatch.setattr(bus, "send", down)
    assert call("POST", "/v1/admin/exports", {"kind": "members"}, **ADMIN).status == 500
    assert [job.status for job in ExportJobItem.scan(ExportJobItem.pk.startswith("export#"))] == ["failed"]


def test_a_large_export_is_joined_by_a_multipart_upload(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts past S3's 5 MB minimum: the joined file is one gzip stream of every part's lines, in order."""
    monkeypatch.setattr(export_files, "MULTIPART_BYTES", 5 * 1024 * 1024)
    texts = [base64.b64encode(os.urandom(3 * 1024 * 1024)).decode() for _ in range(2)]  # 4 MB of lines each
    keys = [f"parts/big/{n}.jsonl.gz" for n in range(2)]
    for key, text in zip(keys, texts, strict=True):
        export_files.put_part(key, export_files.gzipped(text[i:i + 100] for i in range(0, len(text), 100)))
    export_files.join(keys, "exports/big/ledger.jsonl.gz")
    s3 = boto3.client("s3")
    assert len(s3.list_multipart_uploads(Bucket="exportsbucket").get("Uploads", [])) == 0
    head = s3.head_object(Bucket="exportsbucket", Key="exports/big/ledger.jsonl.gz", PartNumber=1)
    assert head["PartsCount"] == 2  # a multipart object
    body = s3.get_object(Bucket="exportsbucket", Key="exports/big/ledger.jsonl.gz")["Body"].read()
    assert gzip.decompress(body).decode().replace("\n", "") == "".join(texts)


def test_a_retried_daily_schedule_carries_on_the_job_it_left_running(moto_aws: None, published: Published,
                                                                     clock_at: Callable[[datetime], None],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    clock_at(DAY)
    enroll("m-retry")
    original = export_files.put_part

    def down(key: str, data: bytes) -> None:
        raise RuntimeError("S3 unavailable")

    monkeypatch.setattr(export_files, "put_part", down)
    fired = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        scheduled("ExportFunction", fired)
    run_before = ExportJobItem.get(f"export#daily-ledger-{DAY.date()}").run
    monkeypatch.setattr(export_files, "put_part", original)
    result = scheduled("ExportFunction", fired)  # the schedule's retry: the running job is carried on, not restarted
    assert [(j["status"], j["rows"]) for j in result["jobs"]] == [("done", 1), ("done", 1)]
    assert ExportJobItem.get(f"export#daily-ledger-{DAY.date()}").run == run_before


def test_a_job_reads_back_as_it_was_written(moto_aws: None) -> None:
    """The job item keeps every field, its start time to the microsecond and in UTC (the day of the program
    snapshot an export takes, and the restart condition of a daily re-run, both read it)."""
    job = ExportJob("e-round-trip", "ledger", "run-2", datetime(2026, 11, 30, 23, 59, 59, 123456, tzinfo=UTC),
                    "exports/e-round-trip/ledger.jsonl.gz", date(2026, 11, 1), date(2026, 11, 30), step=2, rows=7,
                    parts=[Part("parts/a", 3), Part("parts/b", 4)], cursor={"pk": {"S": "member#m-1"}})
    assert export_store.create(job)
    assert export_store.get(job.export_id) == job
