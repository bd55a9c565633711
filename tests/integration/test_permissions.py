"""Least privilege against what the code really calls: every AWS request a handler makes in a day's operations is
granted by that function's own statements in template.yaml. moto enforces no IAM, so a write added to storage/
without its permission would pass every other test and fail only when deployed; this test fails instead."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from tests.local_runner.test_least_privilege import as_list, statements
from tests.support import functions
from tests.support.api import ADMIN, SERVICE, ok
from tests.support.functions import bus_event, call, scheduled

Grant = tuple[str, str, str]  # (IAM action, logical id, "" | "/index/<name>" | "/*")
TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
S3 = {"HeadObject": "GetObject", "GetObject": "GetObject", "PutObject": "PutObject", "DeleteObjects": "DeleteObject",
      "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject",
      "AbortMultipartUpload": "AbortMultipartUpload"}


def dynamodb_needs(operation: str, params: dict[str, Any]) -> list[Grant]:
    if operation == "TransactWriteItems":
        return [(f"dynamodb:{TRANSACT[kind]}", body["TableName"], "")
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation == "TransactGetItems":
        return [("dynamodb:GetItem", item["Get"]["TableName"], "") for item in params["TransactItems"]]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", table, "") for table in params["RequestItems"]]
    index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
    return [(f"dynamodb:{operation}", params["TableName"], index)]


def needs(service: str, operation: str, params: dict[str, Any]) -> list[Grant]:
    """The IAM actions and resources (local names are logical ids) of one request."""
    if service == "dynamodb":
        return dynamodb_needs(operation, params)
    if service == "events":
        return [("events:PutEvents", str(e.get("EventBusName")), "") for e in params["Entries"]]
    if service == "sqs":
        return [("sqs:SendMessage", str(params["QueueUrl"]).rsplit("/", 1)[-1], "")]
    if service == "s3":
        return [(f"s3:{S3[operation]}", str(params["Bucket"]), "/*")]
    return [(f"{service}:{operation}", "?", "")]


def granted(function: str) -> set[Grant]:
    found = set()
    for st in statements(function):
        for resource in as_list(st["Resource"]):
            if "Fn::GetAtt" in resource:
                target, suffix = resource["Fn::GetAtt"][0], ""
            else:
                target, suffix = re.fullmatch(r"\$\{(\w+)\.Arn\}(.*)", resource["Fn::Sub"]).groups()  # type: ignore[union-attr]
            name = target.lower() if target.endswith("Bucket") else target  # the local run's bucket names
            found |= {(action, name, suffix) for action in as_list(st["Action"])}
    return found


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, set[Grant]]]:
    """{function: what its handler's requests needed}, while the test runs."""
    seen: dict[str, set[Grant]] = {}
    local = threading.local()
    original_run, original_call = functions.run, BaseClient._make_api_call

    def run(logical_id: str, event: dict[str, Any], context: Any = None) -> Any:
        stack = local.__dict__.setdefault("stack", [])
        stack.append(logical_id)
        try:
            return original_run(logical_id, event, context)
        finally:
            stack.pop()

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        stack = getattr(local, "stack", None)
        if stack:
            service = client.meta.service_model.service_name
            seen.setdefault(stack[-1], set()).update(needs(service, operation, params))
        return original_call(client, operation, params)

    monkeypatch.setattr(functions, "run", run)
    monkeypatch.setattr(functions.STREAMS, "invoke", run)
    monkeypatch.setattr(functions.QUEUES, "invoke", run)
    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    yield seen


def a_day_of_operations() -> None:
    now = datetime.now(UTC)
    for member_id in ("p-1", "p-2"):
        ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))
    code = ok(call("GET", "/v1/members/p-1", **ADMIN), 200)["referral_code"]
    ok(call("POST", "/v1/members", {"member_id": "p-3", "referral_code": code}, **SERVICE))
    ok(call("POST", "/v1/members/p-3/accruals", {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 5000,
                                                 "currency": "USD"}, **SERVICE))
    ok(call("POST", "/v1/admin/members/p-1/adjustments", {"adjustment_id": "a-1", "points": 5000, "reason": "t"},
            **ADMIN))
    ok(call("POST", "/v1/members/p-1/redemptions", {"redemption_id": "r-1", "reward_id": "coffee"}, **SERVICE))
    ok(call("POST", "/v1/members/p-1/redemptions/r-1/cancellation", **SERVICE))
    ok(call("POST", "/v1/members/p-1/transfers", {"transfer_id": "x-1", "to_member_id": "p-2", "points": 10},
            sub="p-1", scope=""))
    ok(call("GET", "/v1/members/p-1/transactions", **ADMIN), 200)
    ok(call("GET", "/v1/rewards"), 200)
    ok(call("GET", "/v1/admin/stats", **ADMIN), 200)
    ok(call("GET", "/v1/members/p-2/export", **ADMIN), 200)
    ok(call("POST", "/v1/admin/members/p-2/block", {"reason": "t"}, **ADMIN), 200)
    ok(call("DELETE", "/v1/members/p-2", **ADMIN), 200)
    bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued",
              {"member_id": "p-3", "transaction_id": "t-1", "points": 0, "status": "pending", "kind": "purchase"})
    # ExpiringSoonFunction at day 340: the welcome points expire within its 30 days, so it reads members
    for function, days in (("ExpireFunction", 15), ("TierEvaluateFunction", 400), ("ExpiringSoonFunction", 340)):
        scheduled(function, now + timedelta(days=days))


@pytest.mark.usefixtures("moto_aws")
def test_every_request_of_a_day_of_operations_is_granted(recorded: dict[str, set[Grant]]) -> None:
    a_day_of_operations()
    assert len(recorded) >= 12  # the routes' functions, the jobs and both stream consumers
    for function, need in sorted(recorded.items()):
        assert not need - granted(function), f"{function} lacks {sorted(need - granted(function))}"
    assert ("dynamodb:PutItem", "MembersTable", "") in recorded["AccrueFunction"]  # the recorder sees transactions
