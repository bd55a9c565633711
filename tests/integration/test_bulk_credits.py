"""Bulk credits through the real handlers and the template's queue, as the local run delivers it: each member once
per credit id whatever the deliveries (duplicates, a crash after the write, a retried batch), exact counts, a
segment's members and only them, replays and mismatches of the POST, and who may ask."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support import functions
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.functions import QUEUES, call

WELCOME = 100


def enroll(*member_ids: str) -> None:
    for member_id in member_ids:
        ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def start(body: dict[str, Any], who: dict[str, str] = ADMIN) -> functions.Answer:
    return call("POST", "/v1/admin/bulk-credits", body, **who)


def status(credit_id: str) -> dict[str, Any]:
    return ok(call("GET", f"/v1/admin/bulk-credits/{credit_id}", **ADMIN), 200)  # type: ignore[no-any-return]


def adjustments(member_id: str) -> list[dict[str, Any]]:
    return [e for e in history(member_id) if e["type"] == "adjustment"]


def available(member_id: str) -> int:
    return view(member_id)["balance"]["available"]  # type: ignore[no-any-return]


def waiting(queue: str) -> list[str]:
    """The bodies of the messages in a queue of the template (logical id)."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages") or []
    return [m["Body"] for m in got]


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The queue's messages stay queued until the test delivers them by hand (QUEUES.settle)."""
    sources = QUEUES.sources
    monkeypatch.setattr(QUEUES, "sources", [])
    yield
    monkeypatch.setattr(QUEUES, "sources", sources)


def deliver() -> int:
    QUEUES.sources = functions.TEMPLATE.queue_sources()
    try:
        delivered = QUEUES.settle()
        functions.settle()  # the stream records of the credits
        return delivered
    finally:
        QUEUES.sources = []


def test_listed_members_are_credited_once_and_the_unknown_skipped(moto_aws: None) -> None:
    enroll("m-1", "m-2")
    body = {"credit_id": "goodwill-1", "points": 250, "reason": "outage", "member_ids": ["m-1", "m-2", "ghost"]}
    answer = ok(start(body), 202)
    assert answer["credit_id"] == "goodwill-1"
    assert status("goodwill-1") == {"credit_id": "goodwill-1", "status": "done", "credited": 2, "skipped": 1,
                                    "members": 3, "points": 250, "reason": "outage", "segment": None}
    for member_id in ("m-1", "m-2"):
        assert available(member_id) == WELCOME + 250
        [entry] = adjustments(member_id)
        assert (entry["points"], entry["reference"]) == (250, "outage")
    assert repository.get_member("ghost") is None
    assert audit_all()[1] == []


def test_a_blocked_member_is_skipped(moto_aws: None) -> None:
    enroll("m-1", "m-2")
    ok(call("POST", "/v1/admin/members/m-2/block", {"reason": "fraud review"}, **ADMIN), 200)
    ok(start({"credit_id": "c-b", "points": 60, "reason": "x", "member_ids": ["m-1", "m-2"]}), 202)
    assert {k: status("c-b")[k] for k in ("status", "credited", "skipped")} == {
        "status": "done", "credited": 1, "skipped": 1}
    assert (available("m-1"), available("m-2")) == (WELCOME + 60, WELCOME)
    assert adjustments("m-2") == []


def test_every_message_delivered_twice_credits_and_counts_once(moto_aws: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-1", "m-2", "m-3")
    batches: list[int] = []

    def twice(function: str, event: dict[str, Any]) -> Any:
        batches.append(len(event["Records"]))
        functions.run(function, event)  # the same batch, handled twice (SQS delivers at least once)
        return functions.run(function, event)

    monkeypatch.setattr(QUEUES, "invoke", twice)
    ok(start({"credit_id": "c-2", "points": 40, "reason": "x", "member_ids": ["m-1", "m-2", "m-3", "nobody"]}), 202)
    assert batches == [1]
    assert {k: status("c-2")[k] for k in ("status", "credited", "skipped")} == {
        "status": "done", "credited": 3, "skipped": 1}
    for member_id in ("m-1", "m-2", "m-3"):
        assert available(member_id) == WELCOME + 40
        assert len(adjustments(member_id)) == 1
    assert audit_all()[1] == []


def test_a_crash_after_the_credit_is_retried_and_counts_once(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-1", "m-2")
    original = repository.commit
    crashed: list[str] = []

    def crash_after_commit(posting: Any) -> None:
        original(posting)
        if any(e.type == "adjustment" for e in posting.entries) and not crashed:
            crashed.append(posting.entries[0].member_id)
            raise ConnectionError("the function died after the write")

    monkeypatch.setattr(repository, "commit", crash_after_commit)
    ok(start({"credit_id": "c-3", "points": 70, "reason": "x", "member_ids": ["m-1", "m-2"]}), 202)
    assert crashed == ["m-1"]  # the message failed once, was received again and replayed the credit
    assert {k: status("c-3")[k] for k in ("status", "credited", "skipped")} == {
        "status": "done", "credited": 2, "skipped": 0}
    assert [available("m-1"), available("m-2")] == [WELCOME + 70, WELCOME + 70]
    assert len(adjustments("m-1")) == 1
    assert waiting("BulkCreditDeadLetterQueue") == []
    assert audit_all()[1] == []


def test_the_status_is_running_until_the_queue_is_worked(moto_aws: None, held: None) -> None:
    enroll("m-1")
    answer = ok(start({"credit_id": "c-4", "points": 5, "reason": "x", "member_ids": ["m-1"]}), 202)
    assert (answer["status"], answer["credited"], answer["skipped"]) == ("running", 0, 0)
    assert available("m-1") == WELCOME  # nothing credited on the request path
    assert deliver() == 1
    assert status("c-4")["status"] == "done"
    assert available("m-1") == WELCOME + 5


def test_a_segment_credit_reaches_exactly_its_members(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.service import bulk_credits

    monkeypatch.setattr(bulk_credits, "PAGE", 3)  # several pages of the scan
    enroll(*[f"m-{n}" for n in range(8)])
    vip = ["m-1", "m-4", "m-5", "m-7"]
    for member_id in vip:
        ok(call("PATCH", f"/v1/members/{member_id}", {"segments": ["vip", "eu"]}, **SERVICE), 200)
    ok(call("PATCH", "/v1/members/m-2", {"segments": ["eu"]}, **ADMIN), 200)
    ok(start({"credit_id": "vip-bonus", "points": 500, "reason": "vip", "segment": "vip"}), 202)
    assert {k: status("vip-bonus")[k] for k in ("status", "credited", "skipped", "members", "segment")} == {
        "status": "done", "credited": 4, "skipped": 0, "members": 4, "segment": "vip"}
    for n in range(8):
        member_id = f"m-{n}"
        expected = 500 if member_id in vip else 0
        assert available(member_id) == WELCOME + expected, member_id
        assert len(adjustments(member_id)) == (1 if expected else 0)
    assert audit_all()[1] == []


def test_segment_pages_continued_through_the_queue_and_delivered_twice_count_once(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.service import bulk_credits

    monkeypatch.setattr(bulk_credits, "PAGE", 2)
    monkeypatch.setattr(bulk_credits, "SAFETY_MS", 10**9)  # never time for a second page: each continues queued
    enroll("a", "b", "c", "d", "e")
    for member_id in ("a", "c", "e"):
        ok(call("PATCH", f"/v1/members/{member_id}", {"segments": ["s"]}, **ADMIN), 200)

    pages: list[int] = []

    def twice(function: str, event: dict[str, Any]) -> Any:
        pages.extend(json.loads(r["body"]).get("page", -1) for r in event["Records"])
        functions.run(function, event)
        return functions.run(function, event)

    monkeypatch.setattr(QUEUES, "invoke", twice)
    ok(start({"credit_id": "s-1", "points": 9, "reason": "x", "segment": "s"}), 202)
    assert {k: status("s-1")[k] for k in ("status", "credited", "members")} == {
        "status": "done", "credited": 3, "members": 3}
    # 5 members, 2 a page: three pages, each sent again by each duplicate of the one before
    assert sorted({p for p in pages if p >= 0}) == [0, 1, 2]
    assert [available(m) for m in "abcde"] == [WELCOME + 9, WELCOME, WELCOME + 9, WELCOME, WELCOME + 9]


def test_a_segment_nobody_is_in_is_done_at_once(moto_aws: None) -> None:
    enroll("m-1")
    answer = ok(start({"credit_id": "empty", "points": 9, "reason": "x", "segment": "nobody-here"}), 202)
    assert (answer["status"], answer["members"]) == ("running", 0)  # the POST itself reads no member
    assert {k: status("empty")[k] for k in ("status", "credited", "skipped", "members")} == {
        "status": "done", "credited": 0, "skipped": 0, "members": 0}
    assert available("m-1") == WELCOME


def test_a_message_of_another_body_of_the_credit_id_is_dropped(moto_aws: None) -> None:
    enroll("m-1")
    ok(start({"credit_id": "c-f", "points": 9, "reason": "x", "member_ids": ["m-2"]}), 202)
    forged = {"kind": "members", "credit_id": "c-f", "fingerprint": "0" * 64, "member_ids": ["m-1"]}
    record = {"messageId": "m-1", "receiptHandle": "r", "body": json.dumps(forged), "attributes": {},
              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "us-east-1",
              "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:BulkCreditQueue"}
    assert functions.invoke("BulkCreditWorkerFunction", {"Records": [record]}) == {"batchItemFailures": []}
    assert available("m-1") == WELCOME
    assert {k: status("c-f")[k] for k in ("credited", "skipped")} == {"credited": 0, "skipped": 1}


def test_a_replayed_post_answers_202_with_the_status_and_a_changed_one_409(moto_aws: None) -> None:
    enroll("m-1")
    body = {"credit_id": "c-5", "points": 10, "reason": "x", "member_ids": ["m-1"]}
    ok(start(body), 202)
    first = status("c-5")
    assert first["status"] == "done"
    assert ok(start(body), 202) == first  # the job as it stands, nothing queued again
    assert waiting("BulkCreditQueue") == []
    changed = start({**body, "points": 11})
    assert (changed.status, changed.body["error"]["code"]) == (409, "IDEMPOTENCY_MISMATCH")
    other = start({"credit_id": "c-5", "points": 10, "reason": "x", "segment": "vip"})
    assert (other.status, other.body["error"]["code"]) == (409, "IDEMPOTENCY_MISMATCH")
    assert available("m-1") == WELCOME + 10
    assert len(adjustments("m-1")) == 1


def test_a_post_that_failed_before_queueing_is_completed_by_its_replay(moto_aws: None,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.platform import work_queue

    enroll("m-1")
    original = work_queue.send

    def refused(messages: list[dict[str, Any]]) -> None:
        raise work_queue.NotQueued("the queue refused the batch")

    monkeypatch.setattr(work_queue, "send", refused)
    body = {"credit_id": "c-9", "points": 12, "reason": "x", "member_ids": ["m-1"]}
    failed = start(body)
    assert (failed.status, failed.body["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert (status("c-9")["status"], available("m-1")) == ("running", WELCOME)  # the job, without its work
    monkeypatch.setattr(work_queue, "send", original)
    assert ok(start(body), 202)["credit_id"] == "c-9"  # the client's retry sends the work
    assert {k: status("c-9")[k] for k in ("status", "credited")} == {"status": "done", "credited": 1}
    assert ok(start(body), 202)["credited"] == 1  # and a replay now sends nothing again
    assert waiting("BulkCreditQueue") == []
    assert available("m-1") == WELCOME + 12


def test_the_audit_finds_a_bulk_credit_counted_wrong(moto_aws: None) -> None:
    from loyalty.storage.bulk_store import BulkJobItem

    enroll("m-1", "m-2")
    ok(start({"credit_id": "c-a", "points": 8, "reason": "x", "member_ids": ["m-1", "m-2"]}), 202)
    assert audit_all()[1] == []
    BulkJobItem("bulk#c-a").update([BulkJobItem.credited.add(1)])
    assert audit_all()[1] == ["bulk credit c-a: counts 3 credited, the ledger 2"]


def test_a_manual_adjustment_with_the_same_looking_id_is_another_entry(moto_aws: None) -> None:
    enroll("m-1")
    ok(call("POST", "/v1/admin/members/m-1/adjustments",
            {"adjustment_id": "c-6", "points": 3, "reason": "manual"}, **ADMIN))
    ok(start({"credit_id": "c-6", "points": 4, "reason": "bulk", "member_ids": ["m-1"]}), 202)
    assert status("c-6")["credited"] == 1
    assert sorted(e["points"] for e in adjustments("m-1")) == [3, 4]


@pytest.mark.parametrize("body", [
    {"credit_id": "c", "points": 1, "reason": "x"},  # neither
    {"credit_id": "c", "points": 1, "reason": "x", "member_ids": ["m-1"], "segment": "vip"},  # both
    {"credit_id": "c", "points": 1, "reason": "x", "member_ids": []},
    {"credit_id": "c", "points": 0, "reason": "x", "member_ids": ["m-1"]},
    {"credit_id": "c", "points": "5", "reason": "x", "member_ids": ["m-1"]},
    {"credit_id": "c#1", "points": 1, "reason": "x", "member_ids": ["m-1"]},
    {"credit_id": "c", "points": 1, "reason": "", "member_ids": ["m-1"]},
    {"credit_id": "c", "points": 1, "reason": "x", "member_ids": ["m#1"]},
    {"credit_id": "c", "points": 1, "reason": "x", "member_ids": [f"m-{n}" for n in range(10_001)]},
    {"credit_id": "c", "points": 1, "reason": "x", "member_ids": ["m-1"], "extra": True},
])
def test_bad_requests_are_422_and_queue_nothing(moto_aws: None, body: dict[str, Any]) -> None:
    answer = start(body)
    assert (answer.status, answer.body["error"]["code"]) == (422, "INVALID_REQUEST"), answer.body
    assert waiting("BulkCreditQueue") == []
    assert call("GET", "/v1/admin/bulk-credits/c", **ADMIN).status == 404


def test_only_an_admin_may_start_or_read_a_bulk_credit(moto_aws: None) -> None:
    enroll("m-1")
    body = {"credit_id": "c-7", "points": 10, "reason": "x", "member_ids": ["m-1"]}
    for who in (SERVICE, {"sub": "m-1", "scope": ""}):
        refused = start(body, who)
        assert (refused.status, refused.body["error"]["code"]) == (403, "FORBIDDEN")
    assert call("GET", "/v1/admin/bulk-credits/c-7", **SERVICE).status == 403
    assert call("POST", "/v1/admin/bulk-credits", body, sub=None).status == 401
    assert available("m-1") == WELCOME
    unknown = call("GET", "/v1/admin/bulk-credits/c-7", **ADMIN)
    assert (unknown.status, unknown.body["error"]["code"]) == (404, "BULK_CREDIT_NOT_FOUND")


def test_a_message_that_always_fails_lands_in_the_dead_letter_queue(moto_aws: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.service import bulk_credits

    enroll("m-1")
    received: list[str] = []

    def broken(*args: Any) -> None:
        received.append("x")
        raise RuntimeError("a bug")

    monkeypatch.setattr(bulk_credits, "credit_members", broken)
    ok(start({"credit_id": "c-8", "points": 10, "reason": "x", "member_ids": ["m-1"]}), 202)
    assert len(received) == 5  # the queue's maxReceiveCount
    [dead] = waiting("BulkCreditDeadLetterQueue")
    assert '"credit_id":"c-8"' in dead
    assert status("c-8")["status"] == "running"
