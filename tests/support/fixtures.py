"""Shared fixtures: a fresh moto account per test, provisioned from template.yaml."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig
from pynamodb.connection.base import Connection

from local.streams import delivering

from . import aws
from .functions import module

# moto's in-process mock answers any client made after moto was imported, so one set of clients (and one boto3
# session, whose botocore loader keeps the parsed service models) serves every test's account: a new session per
# account re-read botocore's JSON models, most of a test's set-up time
_KEEP_SESSION: DefaultConfig = {"core": {"reset_boto3_session": False}}


@cache
def _clients() -> Any:
    from loyalty.platform import clients

    return clients.Clients.create()


@contextmanager
def moto_account() -> Iterator[None]:
    """A fresh moto account, provisioned from template.yaml, with the layer's clients installed for it."""
    from loyalty.platform import clients

    with mock_aws(config=_KEEP_SESSION):
        clients.use(_clients())
        aws.provision()
        try:
            yield
        finally:
            clients.use(None)


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with moto_account():
        yield


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every event accepted by the bus, in order (and still sent on to it). A publish that fails adds nothing."""
    from loyalty.platform import bus

    seen: list[tuple[str, dict[str, Any]]] = []
    original = bus.send  # where both the notices and the announced outboxes go out

    def capture(events: list[tuple[str, dict[str, Any]]]) -> None:
        original(events)
        seen.extend(events)

    monkeypatch.setattr(bus, "send", capture)
    yield seen


@pytest.fixture
def clock_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Let the HTTP handlers see a chosen 'now' (they read it through their module's utcnow)."""
    current: list[datetime] = []

    def now() -> datetime:
        return current[-1] if current else datetime.now(UTC)

    for logical_id in aws.TEMPLATE.functions():
        mod = module(logical_id)
        if hasattr(mod, "utcnow"):
            monkeypatch.setattr(mod, "utcnow", now)
    return current.append


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every DynamoDB request PynamoDB sends for the operations, by operation name; not the stream consumers' (on
    AWS they run later, in their own invocations)."""
    seen: Counter[str] = Counter()
    original = Connection._make_api_call

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        if not delivering():
            seen[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", counting)
    yield seen
