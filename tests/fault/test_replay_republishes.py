"""A crash between the commit and the publish loses no event: the client's retry re-publishes them."""
from __future__ import annotations

from typing import Any

import pytest

from loyalty.platform import bus
from tests.support.functions import call


def test_the_retry_after_a_crash_before_publishing_publishes_the_events(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert call("POST", "/v1/members", {"member_id": "m-1"}).status == 201
    sent: list[tuple[str, dict[str, Any]]] = []
    crashes = [RuntimeError("the function died after DynamoDB committed")]

    def publish(events: list[tuple[str, dict[str, Any]]]) -> None:
        if crashes:
            raise crashes.pop()
        sent.extend(events)

    monkeypatch.setattr(bus, "publish", publish)
    body = {"transaction_id": "pay-1", "kind": "purchase", "amount_minor": 2500, "currency": "USD"}
    first = call("POST", "/v1/members/m-1/accruals", body)
    assert first.status == 500 and sent == []  # committed, answered nothing useful, published nothing
    retry = call("POST", "/v1/members/m-1/accruals", body)
    assert retry.status == 201 and retry.body["accrual"]["points"] == 25
    assert [(kind, detail["transaction_id"]) for kind, detail in sent] == [("PointsAccrued", "pay-1")]
    assert call("GET", "/v1/members/m-1").body["balance"]["pending"] == 25  # applied once
