"""Faults around the one DynamoDB transaction of each operation: throttling, conflicts, a write that committed but
whose answer was lost, duplicate event deliveries and concurrent requests. Whatever happens, nothing is applied
twice, the invariants hold, and a retry answers exactly as the original did."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from local.streams import delivering
from loyalty.service import execution
from loyalty.storage import analytics_store, repository
from tests.fault.support import PURCHASE, accrue, enroll, sound, total
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.aws import TEMPLATE, program_document, put_program
from tests.support.functions import bus_event, call, concurrently, module

PASS = "pass"
TIMEOUT_AFTER_COMMIT = "timeout-after-commit"
TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems"


# --- fault injection at the wire: a script of answers for TransactWriteItems ---------------------------------------

@dataclass
class Wire:
    """What the next TransactWriteItems requests get: PASS (moto answers), an error (moto never sees the request),
    or TIMEOUT_AFTER_COMMIT (moto applies the write, then the connection times out before the answer arrives).
    After the script: PASS. The script is the operations' unless `consumers`: then it is the stream consumers'
    (which deliver after the operation, as on AWS), and the operations' requests pass."""

    moto: Callable[..., Any]
    script: list[Any] = field(default_factory=list)
    consumers: bool = False
    seen: int = 0
    sdk_delays: int = 0
    service_backoffs: int = 0

    def __call__(self, stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> AWSResponse | None:
        if request.headers.get("X-Amz-Target", b"") not in (TRANSACT_WRITE, TRANSACT_WRITE.encode()) \
                or delivering() != self.consumers:
            return self.moto(stubber, event_name, request, **kwargs)
        self.seen += 1
        step: Any = self.script.pop(0) if self.script else PASS
        if step == PASS:
            return self.moto(stubber, event_name, request, **kwargs)
        if step == TIMEOUT_AFTER_COMMIT:
            self.moto(stubber, event_name, request, **kwargs)
            raise ReadTimeoutError(endpoint_url=request.url)
        items = len(json.loads(request.body)["TransactItems"])
        return step(items)


def error(code: str, message: str = "injected", **extra: Any) -> Callable[[int], AWSResponse]:
    def build(_: int) -> AWSResponse:
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra})
        return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400,
                           {"x-amzn-requestid": "fault", "content-type": "application/x-amz-json-1.0"},
                           MockRawResponse(body))
    return build


def cancelled(reason: str, position: int = 0) -> Callable[[int], AWSResponse]:
    """TransactionCanceledException whose reason list has `reason` at `position` and None elsewhere."""
    def build(items: int) -> AWSResponse:
        reasons = [{"Code": "None"} for _ in range(items)]
        reasons[position] = {"Code": reason, "Message": "injected"}
        codes = ", ".join(r["Code"] for r in reasons)
        return error("TransactionCanceledException", f"Transaction cancelled, please refer cancellation reasons for "
                     f"specific reasons [{codes}]", CancellationReasons=reasons)(items)
    return build


@pytest.fixture
def wire(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    """Put the script in front of moto (moto's handler is the one answering every request in process)."""
    w = Wire(moto=BotocoreStubber.__call__)

    def no_sdk_delay(self: ExponentialBackoff, context: Any) -> float:
        w.sdk_delays += 1
        return 0.0

    def no_service_sleep(attempt: int) -> None:
        w.service_backoffs += 1

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", no_sdk_delay)
    monkeypatch.setattr(execution, "backoff", no_service_sleep)
    monkeypatch.setattr(BotocoreStubber, "__call__", lambda stubber, event_name, request, **kw: w(
        stubber, event_name, request, **kw))
    yield w


# --- the analytics consumer: a lost answer, a crash after its write, throttling -----------------------------------

def figures() -> dict[str, Any]:
    return ok(call("GET", "/v1/admin/stats", **ADMIN), 200)  # type: ignore[no-any-return]


def test_the_analytics_count_a_write_once_when_their_answer_is_lost(wire: Wire) -> None:
    wire.consumers = True
    wire.script = [TIMEOUT_AFTER_COMMIT, error("ThrottlingException")]
    enroll("m-1")
    assert wire.seen >= 3  # the lost answer, the throttled retry, then the retry that finds the write counted
    assert figures()["points"]["issued"] == 100 and figures()["members"] == 1


def test_the_analytics_count_a_write_once_when_the_consumer_crashes_after_it(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    counted, crashes = analytics_store.apply, []

    def apply_then_crash(chunk: analytics_store.Contribution) -> None:
        counted(chunk)
        if not crashes:
            crashes.append(chunk)
            raise RuntimeError("the container died after the write")

    monkeypatch.setattr(analytics_store, "apply", apply_then_crash)
    enroll("m-1")
    ok(accrue())
    assert len(crashes) == 1  # the stream delivered the batch again
    assert figures()["points"]["issued"] == 100 + 123 and figures()["members"] == 1


# --- throttling and conflicts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_throttled_transaction_is_retried_and_applied_once(wire: Wire, code: str) -> None:
    enroll("m-1")
    wire.script = [error(code), error(code)]
    wire.seen = 0
    body = ok(accrue())
    assert body["accrual"]["points"] == 123
    assert wire.seen == 3
    assert total("m-1") == 100 + 123
    assert [h["type"] for h in history("m-1")] == ["accrual", "accrual"]
    sound()


def test_throttling_that_outlasts_the_sdk_retries_is_retried_by_the_service(wire: Wire) -> None:
    enroll("m-1")
    wire.script = [error("ProvisionedThroughputExceededException")] * 12
    wire.seen = 0
    ok(accrue())
    assert wire.seen == 13
    assert wire.service_backoffs >= 1, "the service loop must back off and retry, not give up"
    assert total("m-1") == 223
    sound()


@pytest.mark.parametrize("position", [0, 1])
def test_transaction_conflict_is_retried_and_applied_once(wire: Wire, position: int) -> None:
    enroll("m-1")
    wire.script = [cancelled("TransactionConflict", position)] * 3
    wire.seen = 0
    body = ok(accrue())
    assert body["accrual"]["points"] == 123
    assert wire.seen == 4
    assert wire.service_backoffs == 3
    assert total("m-1") == 223
    sound()


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_transaction_cancelled_by_throttling_is_retried(wire: Wire, reason: str) -> None:
    """DynamoDB reports throttling inside a transaction as a cancellation reason, not only as an error code."""
    enroll("m-1")
    wire.script = [cancelled(reason, 1)] * 2
    ok(accrue())
    assert total("m-1") == 223
    sound()


def test_contention_that_never_ends_is_429_and_applies_nothing(wire: Wire) -> None:
    enroll("m-1")
    before = view("m-1"), history("m-1")
    wire.script = [cancelled("TransactionConflict")] * 1000
    answer = accrue()
    assert answer.status == 429
    assert answer.body["error"]["code"] == "THROTTLED" and answer.body["error"]["message"]
    assert wire.service_backoffs == execution.MAX_ATTEMPTS, (wire.seen, wire.service_backoffs, len(wire.script))
    wire.script = []
    assert (view("m-1"), history("m-1")) == before
    assert ok(accrue())["accrual"]["points"] == 123  # and it applies once the contention is over
    sound()


def test_conflicts_on_a_redemption_never_hand_out_stock_twice(wire: Wire) -> None:
    enroll("m-1")
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 20_000, "reason": "x"},
            **ADMIN))
    ok(accrue({**PURCHASE, "amount_minor": 500_000}))
    bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued",
              {"member_id": "m-1", "transaction_id": "t-tier", "points": 0, "status": "available", "kind": "purchase"})
    wire.script = [cancelled("TransactionConflict", 2), TIMEOUT_AFTER_COMMIT, cancelled("TransactionConflict", 0)]
    body = ok(call("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r-1", "reward_id": "lounge",
                                                           "quantity": 2}, **SERVICE))
    rewards = ok(call("GET", "/v1/rewards", sub=None), 200)["items"]
    assert next(r for r in rewards if r["reward_id"] == "lounge")["stock_left"] == 8
    assert view("m-1")["balance"]["available"] == 20_100 + 200 + 500 - 16_000  # with the Silver and Gold entry bonuses
    assert ok(call("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r-1", "reward_id": "lounge",
                                                           "quantity": 2}, **SERVICE)) == body
    sound()


# --- a write that committed, an answer that never arrived ---------------------------------------------------------------

def stored_response(member_id: str, key: str) -> dict[str, Any]:
    entry = repository.get_entry(member_id, key)
    assert entry is not None and entry.response is not None
    return entry.response


def test_sdk_retry_after_a_timeout_that_followed_the_commit_replays_the_original(wire: Wire) -> None:
    enroll("m-1")
    wire.script = [TIMEOUT_AFTER_COMMIT]
    body = ok(accrue())
    assert body == stored_response("m-1", "accrual#t-1")
    assert total("m-1") == 223
    assert [h["type"] for h in history("m-1")] == ["accrual", "accrual"]
    sound()


OPERATIONS: dict[str, tuple[str, str, dict[str, Any], dict[str, str], str, int]] = {
    # name: (method, path, body, claims, ledger key on m-1, change of m-1's available + pending)
    "accrual": ("POST", "/v1/members/m-1/accruals", PURCHASE, SERVICE, "accrual#t-1", 123),
    "activity": ("POST", "/v1/members/m-1/accruals", {"transaction_id": "c-1", "kind": "activity", "activity": "review"},
                 SERVICE, "accrual#c-1", 50),
    "redemption": ("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r-1", "reward_id": "coffee"}, SERVICE,
                   "redemption#r-1", -500),
    "transfer": ("POST", "/v1/members/m-1/transfers", {"transfer_id": "x-1", "to_member_id": "m-2", "points": 300},
                 {"sub": "m-1", "scope": ""}, "transfer_out#x-1", -300),
    "credit": ("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-1", "points": 40, "reason": "x"},
               ADMIN, "adjustment#a-1", 40),
    "debit": ("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-2", "points": -40, "reason": "x"},
              ADMIN, "adjustment#a-2", -40),
    "reversal": ("POST", "/v1/members/m-1/accruals/seed/reversals", {"reversal_id": "v-1", "amount_minor": 50_000},
                 SERVICE, "reversal#v-1", -500),
}


ANNOUNCED = {"accrual": "PointsAccrued", "activity": "PointsAccrued", "redemption": "PointsRedeemed",
             "transfer": "PointsTransferred", "credit": "PointsAdjusted", "debit": "PointsAdjusted",
             "reversal": "PointsReversed"}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_crash_between_the_write_and_the_answer_then_client_retry(moto_aws: None, monkeypatch: pytest.MonkeyPatch,
                                                                  published: list[Any], name: str) -> None:
    method, path, body, who, key, change = OPERATIONS[name]
    enroll("m-1")
    enroll("m-2")
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "seed-credit", "points": 1000,
                                                          "reason": "x"}, **ADMIN))
    ok(accrue({**PURCHASE, "transaction_id": "seed", "amount_minor": 100_000}))
    before = total("m-1"), total("m-2"), len(history("m-1"))
    original = repository.commit
    crashes: list[str] = []

    def commit_then_crash(posting: Any) -> None:
        original(posting)
        if not crashes:
            crashes.append("crashed")
            raise TimeoutError("the function timed out after DynamoDB committed")

    monkeypatch.setattr(repository, "commit", commit_then_crash)
    published.clear()
    lost = call(method, path, body, **who)
    assert lost.status == 500 and lost.body["error"]["code"] == "INTERNAL_ERROR"
    assert crashes == ["crashed"]
    retried = ok(call(method, path, body, **who))
    assert retried == stored_response("m-1", key)
    assert ok(call(method, path, body, **who)) == retried
    assert total("m-1") == before[0] + change
    assert len(history("m-1")) == before[2] + 1
    assert total("m-2") == before[1] + (300 if name == "transfer" else 0)
    # the events rode in the write: announced once although the function died, and never again by the replays
    assert [kind for kind, _ in published] == [ANNOUNCED[name]]
    sound()


def test_changed_body_after_a_lost_answer_is_an_idempotency_mismatch(moto_aws: None,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-1")
    original = repository.commit

    def commit_then_crash(posting: Any) -> None:
        original(posting)
        raise TimeoutError("lost")

    monkeypatch.setattr(repository, "commit", commit_then_crash)
    assert accrue().status == 500
    monkeypatch.setattr(repository, "commit", original)
    changed = accrue({**PURCHASE, "amount_minor": 99_999})
    assert changed.status == 409 and changed.body["error"]["code"] == "IDEMPOTENCY_MISMATCH"
    assert total("m-1") == 223
    sound()


# --- replays that come late, or after the program changed ---------------------------------------------------------------

@pytest.fixture
def clock_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Let the HTTP handlers see a chosen 'now' (they read it through their module's utcnow)."""
    current: list[datetime] = []
    for logical_id in TEMPLATE.functions():
        mod = module(logical_id)
        if hasattr(mod, "utcnow"):
            monkeypatch.setattr(mod, "utcnow", lambda: current[-1])
    return current.append


def test_a_late_replay_of_a_back_dated_accrual_answers_as_it_did(moto_aws: None,
                                                                 clock_at: Callable[[datetime], None]) -> None:
    t = datetime.now(UTC).replace(microsecond=0)
    clock_at(t)
    enroll("m-1")
    body = {**PURCHASE, "occurred_at": (t - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    first = ok(accrue(body))
    clock_at(t + timedelta(days=40))  # the payment is now 60 days old: too old for a new accrual
    assert ok(accrue(body)) == first
    changed = accrue({**body, "amount_minor": 1})
    assert changed.status == 409 and changed.body["error"]["code"] == "IDEMPOTENCY_MISMATCH"
    fresh = accrue({**body, "transaction_id": "t-2"})
    assert fresh.status == 422 and fresh.body["error"]["code"] == "OCCURRED_AT_TOO_OLD"
    assert total("m-1") == 223
    sound()


def test_replays_answer_as_they_did_after_the_program_changed(moto_aws: None) -> None:
    enroll("m-1")
    cny = {**PURCHASE, "currency": "CNY", "amount_minor": 7_000}
    first = ok(accrue(cny))
    assert first["accrual"]["points"] == 10
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 2_000, "reason": "x"}, **ADMIN))
    miles = {"redemption_id": "r-1", "reward_id": "miles-500"}
    redeemed = ok(call("POST", "/v1/members/m-1/redemptions", miles, **SERVICE))
    document = program_document()
    del document["earn"]["currencies"]["CNY"]
    document["rewards"] = [r for r in document["rewards"] if r["reward_id"] != "miles-500"]
    put_program(document)
    assert ok(accrue(cny)) == first
    assert ok(call("POST", "/v1/members/m-1/redemptions", miles, **SERVICE)) == redeemed
    fresh = accrue({**cny, "transaction_id": "t-2"})
    assert fresh.status == 422 and fresh.body["error"]["code"] == "UNSUPPORTED_CURRENCY"
    gone = call("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r-2", "reward_id": "miles-500"}, **SERVICE)
    assert gone.status == 404
    assert total("m-1") == 100 + 10 + 2_000 - 1_000


# --- duplicate event deliveries ------------------------------------------------------------------------------------------

def captured(tx: str, amount: int) -> dict[str, Any]:
    return {"member_id": "m-1", "transaction_id": tx, "amount_minor": amount, "currency": "EUR", "channel": "store",
            "lines": [{"sku": "S", "category": "private-label", "amount_minor": 1_000}],
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_duplicate_payment_captured_delivery_is_applied_once(moto_aws: None) -> None:
    enroll("m-1")
    detail = captured("pay-1", 5_000)
    first = bus_event("AccrueFunction", "payments", "PaymentCaptured", detail)
    assert first["accrual"]["points"] == (1_000 * 3 + 4_000) // 100
    for _ in range(3):
        assert bus_event("AccrueFunction", "payments", "PaymentCaptured", detail) == first
    assert total("m-1") == 100 + 70
    assert [h["type"] for h in history("m-1")] == ["accrual", "accrual"]
    sound()


def test_duplicate_payment_refunded_delivery_is_applied_once(moto_aws: None) -> None:
    enroll("m-1")
    bus_event("AccrueFunction", "payments", "PaymentCaptured", captured("pay-1", 10_000))
    refund = {"member_id": "m-1", "transaction_id": "pay-1", "refund_id": "rf-1", "amount_minor": 5_000}
    first = bus_event("AccrueFunction", "payments", "PaymentRefunded", refund)
    assert bus_event("AccrueFunction", "payments", "PaymentRefunded", refund) == first
    assert total("m-1") == 100 + 120 - first["reversal"]["points"]
    assert first["reversal"]["points"] == 120 * 5_000 // 10_000
    sound()


def test_an_event_and_an_http_accrual_of_the_same_payment_apply_once(moto_aws: None) -> None:
    enroll("m-1")
    detail = captured("pay-1", 5_000)
    first = bus_event("AccrueFunction", "payments", "PaymentCaptured", detail)
    body = {k: v for k, v in detail.items() if k != "member_id"} | {"kind": "purchase"}
    assert ok(accrue(body)) == first
    assert total("m-1") == 170


# --- concurrency: one process, many containers ---------------------------------------------------------------------

def test_twenty_concurrent_replays_of_one_accrual_apply_once(moto_aws: None, quick_backoff: None) -> None:
    enroll("m-1")
    answers = concurrently([("POST", "/v1/members/m-1/accruals", PURCHASE, SERVICE)] * 20)
    assert [a.status for a in answers] == [201] * 20, [a.body for a in answers if a.status != 201]
    assert all(a.body == answers[0].body for a in answers)
    assert answers[0].body == stored_response("m-1", "accrual#t-1")
    assert total("m-1") == 223
    assert [h["type"] for h in history("m-1")] == ["accrual", "accrual"]
    sound()


def test_a_burst_of_different_purchases_on_one_member_all_apply(moto_aws: None, quick_backoff: None) -> None:
    enroll("m-1")
    requests = [("POST", "/v1/members/m-1/accruals", {**PURCHASE, "transaction_id": f"t-{i}", "amount_minor": 100 * (i + 1)},
                 SERVICE) for i in range(12)]
    answers = concurrently(requests)
    assert [a.status for a in answers] == [201] * 12, [a.body for a in answers if a.status != 201]
    assert total("m-1") == 100 + sum(range(1, 13))
    sound()


def test_a_family_spending_together_never_goes_below_zero(moto_aws: None, quick_backoff: None) -> None:
    enroll("m-1")
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 1_900, "reason": "x"}, **ADMIN))
    requests = [("POST", "/v1/members/m-1/redemptions", {"redemption_id": f"r-{i}", "reward_id": "coffee"}, SERVICE)
                for i in range(10)]
    answers = concurrently(requests)
    statuses = sorted(a.status for a in answers)
    assert statuses == [201] * 4 + [409] * 6, [a.body for a in answers]
    assert {a.body["error"]["code"] for a in answers if a.status == 409} == {"INSUFFICIENT_POINTS"}
    assert view("m-1")["balance"]["available"] == 2_000 - 4 * 500
    sound()


def test_concurrent_lounge_redemptions_never_oversell(moto_aws: None, quick_backoff: None) -> None:
    members = [f"m-{i}" for i in range(12)]
    for m in members:
        enroll(m)
        ok(call("POST", "/v1/admin/members/{m}/adjustments".replace("{m}", m),
                {"adjustment_id": "a", "points": 8_000, "reason": "x"}, **ADMIN))
        ok(accrue({**PURCHASE, "amount_minor": 500_000}, member_id=m))
        bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued",
                  {"member_id": m, "transaction_id": "t-tier", "points": 0, "status": "available", "kind": "purchase"})
    requests = [("POST", f"/v1/members/{m}/redemptions", {"redemption_id": "r", "reward_id": "lounge"}, SERVICE)
                for m in members]
    answers = concurrently(requests)
    assert sorted(a.status for a in answers) == [201] * 10 + [409] * 2, [a.body for a in answers]
    assert {a.body["error"]["code"] for a in answers if a.status == 409} == {"OUT_OF_STOCK"}
    rewards = ok(call("GET", "/v1/rewards", sub=None), 200)["items"]
    assert next(r for r in rewards if r["reward_id"] == "lounge")["stock_left"] == 0
    sound()
