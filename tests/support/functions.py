"""Call the real handlers in process, with the events API Gateway and EventBridge would send."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any

from local.streams import StreamPump

from .aws import TEMPLATE


class Context:
    function_name = "test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def __init__(self, remaining_ms: int = 300_000) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load(logical_id: str, name: str) -> ModuleType:
    """Import a function's app.py under `name`: one import is one Lambda container."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE.functions()[logical_id].code_dir / "app.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@cache
def module(logical_id: str) -> ModuleType:
    """The function's one warm container that the tests share."""
    return load(logical_id, f"fn_{logical_id}")


def run(logical_id: str, event: dict[str, Any], context: Context | None = None) -> Any:
    return module(logical_id).handler(event, context or Context())


# the template's stream event sources (AnnounceFunction publishing each write's outbox), as the local run has them
STREAMS = StreamPump(TEMPLATE.stream_sources(), TEMPLATE.name_of, run)


def invoke(logical_id: str, event: dict[str, Any], context: Context | None = None) -> Any:
    """Run a function, then deliver the stream records its writes produced, as the local run does."""
    try:
        return run(logical_id, event, context)
    finally:
        STREAMS.settle()


@dataclass
class Answer:
    status: int
    body: Any


def route(method: str, path: str) -> tuple[str, str, dict[str, str]]:
    for route in TEMPLATE.routes():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$"
        match = re.match(pattern, path)
        if route.method == method and match:
            return route.function, f"{method} {route.path}", match.groupdict()
    raise LookupError(f"no route {method} {path}")


def http_event(method: str, path: str, body: Any = None, sub: str | None = "svc", scope: str = "loyalty/service",
               query: dict[str, str] | None = None, raw: str | None = None) -> tuple[str, dict[str, Any]]:
    function, route_key, params = route(method, path)
    claims = None if sub is None else {"sub": sub, "scope": scope}
    event = {
        "version": "2.0", "routeKey": route_key, "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"content-type": "application/json"}, "queryStringParameters": query or None,
        "pathParameters": params or None, "isBase64Encoded": False,
        "body": raw if raw is not None else (None if body is None else json.dumps(body)),
        "requestContext": {
            "accountId": "123456789012", "apiId": "test", "domainName": "test", "domainPrefix": "test",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "pytest"},
            "requestId": str(uuid.uuid4()), "routeKey": route_key, "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000", "timeEpoch": 0,
            "authorizer": None if claims is None else {"jwt": {"claims": claims, "scopes": None}},
        },
    }
    return function, event


def call(method: str, path: str, body: Any = None, **kw: Any) -> Answer:
    function, event = http_event(method, path, body, **kw)
    result = invoke(function, event)
    return Answer(result["statusCode"], json.loads(result["body"]) if result.get("body") else None)


def scheduled(logical_id: str, when: datetime, context: Context | None = None) -> Any:
    return invoke(logical_id, {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1", "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{logical_id}"],
        "detail": {}}, context)


def bus_event(logical_id: str, source: str, detail_type: str, detail: dict[str, Any],
              when: datetime | None = None) -> Any:
    when = when or datetime.now(UTC)
    return invoke(logical_id, {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
        "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": [], "detail": detail})


def concurrently(requests: list[tuple[str, str, Any, dict[str, str]]]) -> list[Answer]:
    """Send every HTTP request (method, path, body, claims) at once, each to a container of its own (threads of
    this process, as the local run has them), and return the answers in order."""
    prepared = []
    for n, (method, path, body, who) in enumerate(requests):
        function, event = http_event(method, path, body, sub=who["sub"], scope=who["scope"])
        prepared.append((load(function, f"fn_{function}_container_{n}"), event))
    answers: list[Answer | None] = [None] * len(prepared)
    start = threading.Barrier(len(prepared))

    def send(i: int) -> None:
        mod, event = prepared[i]
        start.wait()
        result = mod.handler(event, Context())
        answers[i] = Answer(result["statusCode"], json.loads(result["body"]))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(prepared))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]
