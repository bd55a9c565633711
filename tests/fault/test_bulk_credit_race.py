"""One bulk credit's messages handled by several containers at once (SQS delivers at least once, and a message
whose visibility ran out is handed to another poller while the first still works on it): every member is credited
once and counted once, and the audit is clean."""
from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from local.queues import lambda_record
from loyalty.service.ledger_audit import audit_all
from tests.support.api import ADMIN, SERVICE, ok, view
from tests.support.functions import QUEUES, SPECS, Context, call, handler_of, load, settle

MEMBERS, CONTAINERS = 30, 4


def received() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="BulkCreditQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    return [lambda_record(m, "arn:aws:sqs:us-east-1:123456789012:BulkCreditQueue") for m in messages]


def test_one_credit_worked_by_four_containers_at_once_counts_each_member_once(
        moto_aws: None, quick_backoff: None, monkeypatch: pytest.MonkeyPatch) -> None:
    members = [f"m-{n}" for n in range(MEMBERS)]
    for member_id in members:
        ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))
    monkeypatch.setattr(QUEUES, "sources", [])  # the test hands the messages over itself
    body = {"credit_id": "race", "points": 25, "reason": "x", "member_ids": [*members, "ghost-1", "ghost-2"]}
    ok(call("POST", "/v1/admin/bulk-credits", body, **ADMIN), 202)
    event = {"Records": received()}
    assert len(event["Records"]) == 1  # 32 members: one chunk
    handlers = [handler_of(SPECS["BulkCreditWorkerFunction"], load("BulkCreditWorkerFunction", f"fn_bulk_race_{n}"))
                for n in range(CONTAINERS)]
    answers: list[Any] = [None] * CONTAINERS
    barrier = threading.Barrier(CONTAINERS)

    def work(n: int) -> None:
        barrier.wait()
        answers[n] = handlers[n](event, Context(logical_id="BulkCreditWorkerFunction"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CONTAINERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle()  # the credits' stream records
    assert answers == [{"batchItemFailures": []}] * CONTAINERS
    job = ok(call("GET", "/v1/admin/bulk-credits/race", **ADMIN), 200)
    assert (job["status"], job["credited"], job["skipped"], job["members"]) == ("done", MEMBERS, 2, MEMBERS + 2)
    assert {view(m)["balance"]["available"] for m in members} == {100 + 25}
    assert audit_all()[1] == []
