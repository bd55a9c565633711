"""What the fault tests share: callers, one-line operations, and the audit."""
from __future__ import annotations

from typing import Any

from loyalty.service.ledger_audit import audit_all
from tests.support.functions import Answer, call

ADMIN = {"sub": "ops", "scope": "loyalty/admin"}
SERVICE = {"sub": "pos", "scope": "loyalty/service"}


def ok(answer: Answer, status: int = 201) -> Any:
    assert answer.status == status, answer.body
    return answer.body


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def view(member_id: str) -> dict[str, Any]:
    return ok(call("GET", f"/v1/members/{member_id}", **ADMIN), 200)  # type: ignore[no-any-return]


def history(member_id: str) -> list[dict[str, Any]]:
    return ok(call("GET", f"/v1/members/{member_id}/transactions", query={"limit": "100"}, **ADMIN), 200)["items"]  # type: ignore[no-any-return]


def total(member_id: str) -> int:
    b = view(member_id)["balance"]
    return int(b["available"] + b["pending"])


PURCHASE = {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 12_345, "currency": "USD"}


def accrue(body: dict[str, Any] | None = None, member_id: str = "m-1") -> Answer:
    return call("POST", f"/v1/members/{member_id}/accruals", body or PURCHASE, **SERVICE)


def sound() -> None:
    assert audit_all()[1] == []
