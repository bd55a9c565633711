"""The referral bonus: a referee's first purchase announces ReferralQualified; AccrueFunction, on that event,
credits the referrer once, in the referrer's own transaction (so an accrual touches one member and reads one)."""
from __future__ import annotations

from typing import Any

from loyalty.service.ledger_audit import audit_all
from tests.support.api import ADMIN, SERVICE, ok
from tests.support.functions import bus_event, call


def purchase(member_id: str, tx: str) -> Any:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": 2_000, "currency": "USD"}
    return ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))


def available(member_id: str) -> int:
    return int(ok(call("GET", f"/v1/members/{member_id}", **ADMIN), 200)["balance"]["available"])


def test_the_first_purchase_of_a_referee_pays_the_referrer_once(moto_aws: None, published: list[Any]) -> None:
    code = ok(call("POST", "/v1/members", {"member_id": "alice"}, **SERVICE))["referral_code"]
    ok(call("POST", "/v1/members", {"member_id": "bob", "referral_code": code}, **SERVICE))
    published.clear()
    purchase("bob", "p-1")
    [qualified] = [detail for kind, detail in published if kind == "ReferralQualified"]
    assert (qualified["member_id"], qualified["referee_id"], qualified["transaction_id"]) == ("alice", "bob", "p-1")
    assert available("alice") == 100  # the purchase itself does not touch the referrer

    paid = bus_event("AccrueFunction", "loyalty", "ReferralQualified", qualified)
    assert paid["referral"] == {"transaction_id": "referral#bob", "points": 500, "status": "available",
                                "kind": "referral", "referee_id": "bob"}
    assert bus_event("AccrueFunction", "loyalty", "ReferralQualified", qualified) == paid  # a redelivery replays
    assert available("alice") == 600
    history = ok(call("GET", "/v1/members/alice/transactions", **ADMIN), 200)["items"]
    assert [(h["entry_id"], h["points"]) for h in history] == [("referral#bob", 500), ("welcome#alice", 100)]

    published.clear()
    purchase("bob", "p-2")  # only the first purchase qualifies
    assert not [kind for kind, _ in published if kind == "ReferralQualified"]
    assert audit_all()[1] == []
