"""What the fault tests share: callers, one-line operations, and the audit."""
from __future__ import annotations

from typing import Any

from loyalty.service.ledger_audit import audit_all
from tests.support.api import SERVICE, ok, view
from tests.support.functions import Answer, call


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def total(member_id: str) -> int:
    b = view(member_id)["balance"]
    return int(b["available"] + b["pending"])


PURCHASE = {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 12_345, "currency": "USD"}


def accrue(body: dict[str, Any] | None = None, member_id: str = "m-1") -> Answer:
    return call("POST", f"/v1/members/{member_id}/accruals", body or PURCHASE, **SERVICE)


def sound() -> None:
    assert audit_all()[1] == []
