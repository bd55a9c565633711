"""The local run over HTTP: the operations, auth, bad input, events and the Lambda Invoke API."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from .conftest import API, Client, audit_local_run, invoke, new_id, put_payment_event


def balance(service: Client, member_id: str) -> dict:
    r = service.get(f"/v1/members/{member_id}")
    assert r.status_code == 200, r.text
    return r.json()["balance"]


def purchase(amount: int, **extra: object) -> dict:
    return {"transaction_id": new_id("tx"), "kind": "purchase", "amount_minor": amount, "currency": "USD", **extra}


def test_enroll_accrue_read_session(service: Client, member: str) -> None:
    r = service.post(f"/v1/members/{member}/accruals",
                     purchase(12345, channel="online", lines=[{"sku": "A1", "category": "private-label",
                                                               "amount_minor": 2000}]))
    assert r.status_code == 201, r.text
    # 103.45 at the base rate + 20.00 x3 = 163.45 -> 163 points, pending 14 days
    assert (r.json()["accrual"]["points"], r.json()["accrual"]["status"]) == (163, "pending")
    r = service.post(f"/v1/members/{member}/accruals", {"transaction_id": new_id("a"), "kind": "activity",
                                                         "activity": "review"})
    assert r.status_code == 201 and r.json()["accrual"]["status"] == "available", r.text
    assert balance(service, member) == {"available": 150, "pending": 163, "lifetime": 313, "qualifying": 213}
    history = service.get(f"/v1/members/{member}/transactions?limit=50").json()["items"]
    assert sorted(e["points"] for e in history) == [50, 100, 163]


def test_replaying_one_accrual_from_20_threads_applies_it_once(service: Client, member: str) -> None:
    body = purchase(4200)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: service.post(f"/v1/members/{member}/accruals", body), range(20)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["accrual"]["points"] for a in answers}) == 1
    assert balance(service, member)["pending"] == 42


@pytest.mark.parametrize("change", [
    {"amount_minor": -5}, {"amount_minor": 10.5}, {"amount_minor": "5000"}, {"currency": "XYZ"},
    {"currency": "usd"}, {"kind": "refund"}, {"transaction_id": "bad id!"}, {"transaction_id": "x" * 65},
    {"occurred_at": "2999-01-01T00:00:00Z"}, {"occurred_at": "2001-01-01T00:00:00Z"}, {"unexpected": 1},
    {"lines": [{"category": "promo", "amount_minor": 999999}]}, {"channel": "fax"},
])
def test_bad_accruals_get_the_error_shape_and_change_nothing(service: Client, member: str, change: dict) -> None:
    before = balance(service, member)
    r = service.post(f"/v1/members/{member}/accruals", {**purchase(1000), **change})
    assert 400 <= r.status_code < 500 and r.status_code == 422, r.text
    assert set(r.json()["error"]) == {"code", "message"}
    assert balance(service, member) == before


def test_malformed_json_and_missing_fields_are_422(service: Client, member: str) -> None:
    assert service.post(f"/v1/members/{member}/accruals", raw="{not json").status_code == 422
    r = service.post(f"/v1/members/{member}/accruals", {"kind": "purchase"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"
    r = service.post(f"/v1/members/{member}/accruals", {"transaction_id": new_id("a"), "kind": "activity",
                                                         "activity": "dancing"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "UNKNOWN_ACTIVITY"


def test_auth_matrix(service: Client, admin: Client, member: str) -> None:
    other = new_id("m")
    assert service.post("/v1/members", {"member_id": other}).status_code == 201
    me = Client(member)
    assert requests.get(f"{API}/v1/members/{member}", timeout=30).status_code == 401
    assert Client(member, "").get(f"/v1/members/{other}").status_code == 403
    assert me.post(f"/v1/members/{member}/accruals", purchase(100)).status_code == 403
    assert service.post(f"/v1/members/{member}/transfers", {"transfer_id": new_id("t"), "to_member_id": other,
                                                             "points": 10}).status_code == 403
    assert service.post(f"/v1/admin/members/{member}/adjustments",
                        {"adjustment_id": new_id("a"), "points": 5, "reason": "x"}).status_code == 403
    assert me.get("/v1/admin/stats").status_code == 403
    assert admin.get("/v1/admin/stats").status_code == 200
    assert Client(new_id("ghost")).get(f"/v1/members/{member}").status_code == 403


def test_fifty_concurrent_redemptions_spend_exactly_the_balance(service: Client, admin: Client, member: str) -> None:
    r = admin.post(f"/v1/admin/members/{member}/adjustments",
                   {"adjustment_id": new_id("adj"), "points": 1900, "reason": "load"})
    assert r.status_code == 201, r.text  # 2 000 available: exactly 20 coffees of 100 points? no: charity-100
    me = Client(member)

    def redeem(i: int) -> requests.Response:
        return me.post(f"/v1/members/{member}/redemptions", {"redemption_id": f"r-{i}", "reward_id": "charity-100"})

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(redeem, range(50)))
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 20 and codes.count(409) == 30, codes
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"INSUFFICIENT_POINTS"}
    assert balance(service, member)["available"] == 0


def test_payment_events_earn_and_reverse_once(service: Client, member: str) -> None:
    tx = new_id("pay")
    captured = {"member_id": member, "transaction_id": tx, "amount_minor": 10000, "currency": "EUR",
                "channel": "app", "lines": []}
    put_payment_event("PaymentCaptured", captured)
    put_payment_event("PaymentCaptured", captured)  # a duplicate delivery
    assert balance(service, member)["pending"] == 100
    refund = {"member_id": member, "transaction_id": tx, "refund_id": new_id("rf"), "amount_minor": 2500}
    put_payment_event("PaymentRefunded", refund)
    put_payment_event("PaymentRefunded", refund)
    assert balance(service, member)["pending"] == 75


def test_points_accrued_reaches_tier_evaluation(service: Client, admin: Client, member: str) -> None:
    r = service.post(f"/v1/members/{member}/accruals", purchase(200000))  # 2 000 qualifying points
    assert r.status_code == 201, r.text
    view = service.get(f"/v1/members/{member}").json()
    assert view["tier"] == "Silver" and view["next_tier"] == {"name": "Gold", "qualifying_needed": 3000}
    r = service.post(f"/v1/members/{member}/accruals", purchase(10000))
    assert r.json()["accrual"]["points"] == 125  # the Silver multiplier applies to the next accrual


def test_the_referrer_is_paid_before_the_referees_first_purchase_is_answered(service: Client, member: str) -> None:
    code = service.get(f"/v1/members/{member}").json()["referral_code"]
    referee = new_id("m")
    r = service.post("/v1/members", {"member_id": referee, "referral_code": code})
    assert r.status_code == 201, r.text
    before = balance(service, member)["available"]
    assert service.post(f"/v1/members/{referee}/accruals", purchase(1000)).status_code == 201
    # outbox -> stream -> AnnounceFunction -> ReferralQualified -> AccrueFunction, all before that answer
    assert balance(service, member)["available"] == before + 500
    assert service.post(f"/v1/members/{referee}/accruals", purchase(1000)).status_code == 201
    assert balance(service, member)["available"] == before + 500  # once only


def test_the_points_clock_runs_for_any_date_through_the_invoke_api(service: Client, member: str) -> None:
    r = service.post(f"/v1/members/{member}/accruals", purchase(3000))
    assert r.status_code == 201
    later = datetime.now(UTC) + timedelta(days=15)
    event = {"version": "0", "id": new_id("e"), "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": later.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
             "resources": [], "detail": {}}
    report = invoke("ExpireFunction", event)
    assert report["released_points"] >= 30
    assert balance(service, member)["pending"] == 0 and balance(service, member)["available"] == 130
    assert invoke("ExpireFunction", event)["released_points"] == 0  # a re-run changes nothing


def test_openapi_and_docs_are_served() -> None:
    doc = requests.get(f"{API}/v1/openapi.json", timeout=30).json()
    assert "/v1/members/{member_id}/redemptions" in doc["paths"]
    assert "swagger" in requests.get(f"{API}/v1/docs", timeout=30).text.lower()


def test_zz_audit_of_the_local_tables_is_clean() -> None:
    result = audit_local_run()
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_operator_edits_the_program_and_the_next_request_sees_it(admin: Client) -> None:
    r = admin.get("/v1/admin/program")
    assert r.status_code == 200, r.text
    original, revision = r.json()["program"], r.json()["revision"]
    reward_id = new_id("e2e")
    edited = {**original, "rewards": [*original["rewards"], {"reward_id": reward_id, "type": "gift", "name": "Tea",
                                                             "points": 300}]}
    try:
        r = admin.put("/v1/admin/program", {"program": edited, "revision": revision})
        assert r.status_code == 200 and r.json()["revision"] == revision + 1, r.text
        catalog = requests.get(f"{API}/v1/rewards?limit=100", timeout=60).json()  # another function, at once
        assert reward_id in [item["reward_id"] for item in catalog["items"]]
        stale = admin.put("/v1/admin/program", {"program": edited, "revision": revision})
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "REVISION_CONFLICT", stale.text
        bad = {**edited, "tiers": [{**t, "qualifying_points": 0} for t in edited["tiers"]]}
        invalid = admin.put("/v1/admin/program", {"program": bad, "revision": revision + 1})
        assert invalid.status_code == 422, invalid.text
        assert invalid.json()["error"]["code"] == "INVALID_PROGRAM" and invalid.json()["error"]["details"][0]["path"] \
            == "tiers.1.qualifying_points", invalid.text
        listed = admin.get("/v1/admin/program/revisions?limit=1").json()
        assert [(i["revision"], i["changed_by"]) for i in listed["items"]] == [(revision + 1, "ops")], listed
        assert listed["next_cursor"] == str(revision)
    finally:  # the stages after this one (fuzz, the contract suite) expect the shipped catalog
        now = admin.get("/v1/admin/program").json()
        if now["program"] != original:
            assert admin.put("/v1/admin/program", {"program": original, "revision": now["revision"]}).status_code == 200


def test_the_catalog_pages() -> None:
    first = requests.get(f"{API}/v1/rewards?limit=4", timeout=60).json()
    assert len(first["items"]) == 4 and first["next_cursor"], first
    rest = requests.get(f"{API}/v1/rewards", params={"limit": 100, "cursor": first["next_cursor"]}, timeout=60).json()
    ids = [item["reward_id"] for item in first["items"] + rest["items"]]
    assert rest["next_cursor"] is None and len(ids) == len(set(ids)) and "lounge" in ids
