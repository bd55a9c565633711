"""What the in-process tests say to the API: the callers, and the answers they expect."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from .functions import Answer, call

ADMIN = {"sub": "ops", "scope": "loyalty/admin"}
SERVICE = {"sub": "pos", "scope": "loyalty/service"}


def ok(answer: Answer, status: int = 201) -> Any:
    assert answer.status == status, answer.body
    return answer.body


def view(member_id: str) -> dict[str, Any]:
    return ok(call("GET", f"/v1/members/{member_id}", **ADMIN), 200)  # type: ignore[no-any-return]


def history(member_id: str) -> list[dict[str, Any]]:
    page = ok(call("GET", f"/v1/members/{member_id}/transactions", query={"limit": "100"}, **ADMIN), 200)
    return page["items"]  # type: ignore[no-any-return]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
