"""Blocking over the local run: a PaymentCaptured of a blocked member is refused like any business refusal of the
event path (two retries, then the dead-letter queue) and applies nothing; after an unblock it earns."""
from __future__ import annotations

import json

import boto3

from .conftest import MOTO, Client, new_id, put_payment_event


def dead_lettered(transaction_id: str) -> list[dict[str, str]]:
    """The error attributes of every message of EventsDeadLetterQueue about this payment (left visible)."""
    sqs = boto3.client("sqs", endpoint_url=MOTO, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    [url] = [u for u in sqs.list_queues().get("QueueUrls", []) if "EventsDeadLetterQueue" in u]
    found = []
    for _ in range(10):  # a few pages of at most 10 messages
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                     MessageAttributeNames=["All"])
        for message in answer.get("Messages", []):
            if json.loads(message["Body"])["detail"].get("transaction_id") == transaction_id:
                found.append({k: v["StringValue"] for k, v in message["MessageAttributes"].items()})
        if found:
            break
    return found


def test_a_blocked_members_payment_is_dead_lettered_and_earns_after_an_unblock(service: Client, admin: Client,
                                                                               member: str) -> None:
    r = admin.post(f"/v1/admin/members/{member}/block", {"reason": "chargeback review"})
    assert (r.status_code, r.json()["status"]) == (200, "blocked"), r.text
    transaction_id = new_id("pay")
    payment = {"member_id": member, "transaction_id": transaction_id, "amount_minor": 5_000, "currency": "USD"}
    put_payment_event("PaymentCaptured", payment)
    assert service.get(f"/v1/members/{member}").json()["balance"]["pending"] == 0
    [error] = dead_lettered(transaction_id)
    assert error["ERROR_CODE"] == "BusinessRuleRefused" and "blocked" in error["ERROR_MESSAGE"], error
    assert admin.post(f"/v1/admin/members/{member}/unblock", {"reason": "cleared"}).status_code == 200
    put_payment_event("PaymentCaptured", payment)  # the payments platform (or a redrive) sends it again
    assert service.get(f"/v1/members/{member}").json()["balance"]["pending"] == 50
