"""Call the real handlers in process, with the events API Gateway and EventBridge would send: the local run's own
loader, context and event builders (local.runtime, local.http_api, local.scheduler, local.bus), without its servers."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3

from local.bus import event_of
from local.http_api import Router, build_event, jwt_authorizer
from local.queues import QueuePump
from local.runtime import LambdaContext, handler_of, load_module
from local.scheduler import scheduled_event
from local.streams import StreamPump
from local.template import REGION, FunctionSpec, Route

from .aws import ROOT, TEMPLATE

SPECS = TEMPLATE.functions()
ROUTER = Router(TEMPLATE.routes())
_ANY_FUNCTION = FunctionSpec("test", ROOT, "app.handler", timeout=300, memory=512, environment={})


class Context(LambdaContext):
    """The runtime's context with the 300 s every test invocation gets, unless the test gives its own."""

    def __init__(self, remaining_ms: int = 300_000, logical_id: str | None = None) -> None:
        super().__init__(SPECS[logical_id] if logical_id else _ANY_FUNCTION, remaining_ms=remaining_ms)


def load(logical_id: str, name: str) -> ModuleType:
    """Import a function's handler module under `name`: one import is one Lambda container."""
    return load_module(SPECS[logical_id], name)


@cache
def module(logical_id: str) -> ModuleType:
    """The function's one warm container that the tests share."""
    return load(logical_id, f"fn_{logical_id}")


def run(logical_id: str, event: dict[str, Any], context: Context | None = None) -> Any:
    handler = handler_of(SPECS[logical_id], module(logical_id))
    return handler(event, context or Context(logical_id=logical_id))


# the template's stream event sources (AnnounceFunction publishing each write's outbox), as the local run has them
STREAMS = StreamPump(TEMPLATE.stream_sources(), TEMPLATE.name_of, run)
# its SQS event sources (BulkCreditFunction's work queue), polled in the moto account of the test
QUEUES = QueuePump(TEMPLATE.queue_sources(), TEMPLATE.name_of, run, lambda: boto3.client("sqs", region_name=REGION))


def settle() -> int:
    """Deliver stream records and queued messages until neither has any left, as the local run does."""
    delivered = total = STREAMS.settle() + QUEUES.settle()
    while delivered:
        delivered = STREAMS.settle() + QUEUES.settle()
        total += delivered
    return total


def invoke(logical_id: str, event: dict[str, Any], context: Context | None = None) -> Any:
    """Run a function, then deliver the stream records and queued messages its writes produced, as the local run
    does."""
    try:
        return run(logical_id, event, context)
    finally:
        settle()


@dataclass
class Answer:
    status: int
    body: Any


def _matched(method: str, path: str) -> tuple[Route, dict[str, str]]:
    found = ROUTER.match(method, path)
    if found is None:
        raise LookupError(f"no route {method} {path}")
    return found


def route(method: str, path: str) -> tuple[str, str, dict[str, str]]:
    """(function, route key, path parameters) of a request, as the local run's router finds them."""
    matched, params = _matched(method, path)
    return matched.function, matched.route_key, params


def http_event(method: str, path: str, body: Any = None, sub: str | None = "svc", scope: str = "loyalty/service",
               query: dict[str, str] | None = None, raw: str | None = None) -> tuple[str, dict[str, Any]]:
    """The function and the payload 2.0 event the local run builds for this request with a valid token for `sub`
    (none when `sub` is None); `raw` is sent as the body instead of `body` as JSON."""
    matched, params = _matched(method, path)
    text = raw if raw is not None else None if body is None else json.dumps(body)
    data = b"" if text is None else text.encode("utf-8", "surrogatepass")  # a lone surrogate stays bad bytes
    target = f"{path}?{urlencode(query)}" if query else path
    authorizer = None if sub is None else jwt_authorizer({"sub": sub, "scope": scope})
    headers = [("Content-Type", "application/json"), ("User-Agent", "pytest")]
    return matched.function, build_event(method, target, headers, data, matched, params, authorizer)


def call(method: str, path: str, body: Any = None, **kw: Any) -> Answer:
    function, event = http_event(method, path, body, **kw)
    result = invoke(function, event)
    return Answer(result["statusCode"], json.loads(result["body"]) if result.get("body") else None)


def scheduled(logical_id: str, when: datetime, context: Context | None = None) -> Any:
    """The function's schedule fires at `when`."""
    rule = next(r for r in TEMPLATE.rules() if r.function == logical_id and r.schedule)
    return invoke(logical_id, scheduled_event(rule, when), context)


def bus_event(logical_id: str, source: str, detail_type: str, detail: dict[str, Any],
              when: datetime | None = None) -> Any:
    """Deliver to the function the event EventBridge makes of this PutEvents entry."""
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail),
             "Time": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return invoke(logical_id, event_of(entry))


def concurrently(requests: list[tuple[str, str, Any, dict[str, str]]]) -> list[Answer]:
    """Send every HTTP request (method, path, body, claims) at once, each to a container of its own (threads of
    this process, as the local run has them), and return the answers in order."""
    prepared = []
    for n, (method, path, body, who) in enumerate(requests):
        function, event = http_event(method, path, body, sub=who["sub"], scope=who["scope"])
        container = load(function, f"fn_{function}_container_{n}")
        prepared.append((function, handler_of(SPECS[function], container), event))
    answers: list[Answer | None] = [None] * len(prepared)
    start = threading.Barrier(len(prepared))

    def send(i: int) -> None:
        function, handler, event = prepared[i]
        start.wait()
        result = handler(event, Context(logical_id=function))
        answers[i] = Answer(result["statusCode"], json.loads(result["body"]))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(prepared))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]
