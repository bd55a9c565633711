"""EventBridge emulation: PutEvents entries become events, delivered synchronously to the matching rules' targets.

A target that fails is retried twice, then the event goes to the rule's dead-letter queue (SQS in moto).
Events published by a target are delivered too, up to MAX_DEPTH levels. The handlers' PutEvents calls go to
EventBridge's AWS address, which a botocore hook answers in process (`answer_in_process`: the call never leaves the
handler's thread, so the depth is the thread's own); a PutEvents from elsewhere (a client of the Lambda endpoint, a
handler pointed at it) carries the depth in a header that another hook adds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import MockRawResponse
from moto.events.models import EventPattern

from .runtime import Functions
from .template import ACCOUNT, REGION, Rule

log = logging.getLogger("local.bus")

MAX_DEPTH = 5
RETRIES = 2
DEPTH_HEADER = "X-Loyalty-Event-Depth"
_local = threading.local()


def current_depth() -> int:
    return getattr(_local, "depth", 0)


def _add_depth_header(request: Any, **_: Any) -> None:
    depth = current_depth()
    if depth:
        request.headers[DEPTH_HEADER] = str(depth)


_HOOK = ("before-sign.eventbridge.PutEvents", _add_depth_header)
IN_PROCESS_URL = f"https://events.{REGION}.amazonaws.com"  # the handlers' EventBridge endpoint in the local run
AMZ_JSON = "application/x-amz-json-1.1"
_in_process: list[EventBus] = []  # the bus that answers the handlers' PutEvents, once the runner has made it


def _answer_in_process(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    """A handler's PutEvents, delivered on its own thread as the Lambda endpoint would deliver it, without an HTTP
    round trip through this process (a seventh of a request's CPU). Other endpoints are left to botocore."""
    if not _in_process or not request.url.startswith(IN_PROCESS_URL):
        return None
    try:
        status, answer = 200, _in_process[0].put_events(json.loads(request.body or b"{}")["Entries"], current_depth())
    except Exception:
        log.exception("PutEvents failed")
        status, answer = 500, {"__type": "InternalException"}
    return AWSResponse(request.url, status, {"Content-Type": AMZ_JSON}, MockRawResponse(json.dumps(answer)))


_IN_PROCESS_HOOK = ("before-send.eventbridge.PutEvents", _answer_in_process)


@contextmanager
def delivering() -> Iterator[None]:
    """Run something as a delivery: what it publishes is a nested event, and no request ends with it."""
    previous = current_depth()
    _local.depth = previous + 1
    try:
        yield
    finally:
        _local.depth = previous


def install_depth_hook() -> None:
    """Every botocore session created from now on tags PutEvents calls with the delivering thread's depth, and
    hands those sent to IN_PROCESS_URL to the bus `answer_in_process` names."""
    for hook in (_HOOK, _IN_PROCESS_HOOK):
        if hook not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(hook)
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.register(*hook)


def uninstall_depth_hook() -> None:
    for hook in (_HOOK, _IN_PROCESS_HOOK):
        if hook in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.remove(hook)
    _in_process.clear()


def answer_in_process(bus: EventBus) -> None:
    """From now on the handlers' PutEvents calls (to IN_PROCESS_URL) are delivered by `bus`."""
    _in_process[:] = [bus]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The event EventBridge delivers for a PutEvents entry (ValueError for an entry it would refuse)."""
    for key in ("Source", "DetailType", "Detail"):
        if not entry.get(key):
            raise ValueError(f"Parameter {key} is not valid.")
    try:
        detail = json.loads(entry["Detail"])
    except (TypeError, json.JSONDecodeError):
        raise ValueError("Detail is malformed.") from None
    if not isinstance(detail, dict):
        raise ValueError("Detail is malformed.")
    at = entry.get("Time")
    if isinstance(at, int | float):  # boto3 serialises datetimes as epoch seconds
        at = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT,
        "time": at or now_iso(),
        "region": REGION,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }


class EventBus:
    def __init__(self, functions: Functions, rules: list[Rule], queue_urls: dict[str, str], moto_url: str) -> None:
        self.functions = functions
        # moto's own EventBridge matcher; a pattern it refuses fails the start, not a delivery
        self.rules = [(r, EventPattern.load(json.dumps(r.pattern))) for r in rules if r.pattern is not None]
        self.queue_urls = queue_urls
        self._sqs = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client("sqs", endpoint_url=moto_url)
        self.after_delivery: Callable[[], object] | None = None  # the runner settles the streams here

    def put_events(self, entries: list[dict[str, Any]], depth: int = 0) -> dict[str, Any]:
        results: list[dict[str, Any]] = []
        for entry in entries:
            try:
                event = event_of(entry)
            except ValueError as exc:
                results.append({"ErrorCode": "InvalidArgument", "ErrorMessage": str(exc)})
                continue
            bus = str(entry.get("EventBusName") or "default").rsplit("/", 1)[-1]
            for rule, pattern in self.rules:
                if rule.bus == bus and pattern.matches_event(event):  # type: ignore[arg-type]  # a plain dict
                    self.deliver(rule, event, depth)
            results.append({"EventId": event["id"]})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def deliver(self, rule: Rule, event: dict[str, Any], depth: int = 0) -> bool:
        """Run the rule's target with the event; retry, then dead-letter. True if delivered.
        A delivery that no handler caused (a schedule, a client's PutEvents) ends like a request does."""
        try:
            return self._deliver(rule, event, depth)
        finally:
            if depth == 0 and self.after_delivery is not None:
                self.after_delivery()

    def _deliver(self, rule: Rule, event: dict[str, Any], depth: int) -> bool:
        if depth >= MAX_DEPTH:
            self._dead_letter(rule, event, "MaxDepthExceeded", f"event chain deeper than {MAX_DEPTH}")
            return False
        error: BaseException | None = None
        previous = current_depth()
        _local.depth = depth + 1
        try:
            for attempt in range(1 + RETRIES):
                started = time.perf_counter()
                try:
                    self.functions.invoke(rule.function, event)
                    log.info("%s %s -> %s (%.0f ms)", event.get("source"), event.get("detail-type"), rule.function,
                             (time.perf_counter() - started) * 1e3)
                    return True
                except Exception as exc:
                    error = exc
                    log.warning("%s: attempt %d of %d failed: %r", rule.name, attempt + 1, 1 + RETRIES, exc)
        finally:
            _local.depth = previous
        self._dead_letter(rule, event, type(error).__name__, str(error))
        return False

    def _dead_letter(self, rule: Rule, event: dict[str, Any], code: str, message: str) -> None:
        url = self.queue_urls.get(rule.dlq or "")
        log.error("%s: event %s (%s) not delivered: %s: %s; dead-lettered to %s",
                  rule.name, event.get("id"), event.get("detail-type"), code, message, url or "nowhere (no DLQ)")
        self.send_to_queue(rule.dlq, event, {
            "ERROR_CODE": code,
            "ERROR_MESSAGE": message[:256] or code,
            "RULE_ARN": rule.arn,
            "TARGET_ARN": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{rule.function}",
        })

    def send_to_queue(self, queue: str | None, body: Any, attributes: dict[str, str]) -> None:
        """A message to a queue of the template (by logical id), if there is one."""
        url = self.queue_urls.get(queue or "")
        if not url:
            return
        self._sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(body),
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )

