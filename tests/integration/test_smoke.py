from tests.support.functions import call


def test_enroll_accrue_read(moto_aws: None) -> None:
    r = call("POST", "/v1/members", {"member_id": "m-1"})
    assert r.status == 201, r.body
    r = call("POST", "/v1/members/m-1/accruals", {"transaction_id": "t1", "kind": "purchase", "amount_minor": 5000,
                                                   "currency": "USD", "channel": "online"})
    assert r.status == 201, r.body
    assert r.body["accrual"]["points"] == 50
    r = call("GET", "/v1/members/m-1")
    assert r.status == 200, r.body
    assert r.body["balance"]["pending"] == 50
