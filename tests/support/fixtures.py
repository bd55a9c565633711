"""Shared fixtures: a fresh moto account per test, provisioned from template.yaml."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from . import aws
from .functions import module


def reset_clients() -> None:
    """Containers cache clients; a new moto account needs fresh ones."""
    from loyalty.platform import bus
    from loyalty.storage import repository

    bus._client = None
    repository._connection = None


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        reset_clients()
        aws.provision()
        yield
        reset_clients()


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
