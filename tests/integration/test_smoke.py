"""A first pass over every HTTP operation in process, with the audit run after."""
from loyalty.service.ledger_audit import audit_all
from tests.support.functions import call


def accrue(member: str, tx: str, amount: int) -> dict:
    r = call("POST", f"/v1/members/{member}/accruals", {"transaction_id": tx, "kind": "purchase",
                                                         "amount_minor": amount, "currency": "USD"})
    assert r.status == 201, r.body
    return r.body


def test_every_operation_once(moto_aws: None) -> None:
    for m in ("m-1", "m-2"):
        assert call("POST", "/v1/members", {"member_id": m}).status == 201
    assert accrue("m-1", "t1", 5000)["accrual"]["points"] == 50
    r = call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a1", "points": 900, "reason": "x"},
             scope="loyalty/admin")
    assert r.status == 201, r.body
    r = call("POST", "/v1/members/m-1/redemptions", {"redemption_id": "r1", "reward_id": "coffee"}, sub="m-1", scope="")
    assert r.status == 201 and r.body["redemption"]["code"], r.body
    assert r.body["member"]["balance"]["available"] == 500
    r = call("POST", "/v1/members/m-1/transfers", {"transfer_id": "x1", "to_member_id": "m-2", "points": 200},
             sub="m-1", scope="")
    assert r.status == 201, r.body
    r = call("POST", "/v1/members/m-1/redemptions/r1/cancellation", sub="m-1", scope="")
    assert r.status == 201, r.body
    assert r.body["member"]["balance"]["available"] == 800
    r = call("POST", "/v1/members/m-1/redemptions/r1/cancellation", sub="m-1", scope="")
    assert r.status == 409 and r.body["error"]["code"] == "ALREADY_CANCELLED", r.body
    r = call("POST", "/v1/members/m-1/accruals/t1/reversals", {"reversal_id": "rv1", "amount_minor": 2500})
    assert r.status == 201 and r.body["reversal"]["points"] == 25, r.body
    r = call("GET", "/v1/members/m-2/transactions", sub="m-2", scope="")
    assert [e["type"] for e in r.body["items"]] == ["transfer_in", "accrual"]
    r = call("GET", "/v1/admin/stats", scope="loyalty/admin")
    assert r.status == 200 and r.body["points"]["outstanding"] == 100 + 100 + 50 + 900 - 25, r.body
    assert audit_all() == (2, [])
