"""Blocking, erasure and the export through the real handlers in process, against moto: a blocked member is
refused on every way of earning and spending (HTTP and the payments events) while reads work, an erased member
leaves the referral-code and birthday indexes with its points intact, and the export holds the whole ledger."""
from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.domain.errors import BusinessRuleRefused, ErrorCode
from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.functions import Answer, bus_event, call

MEMBER = {"scope": ""}  # a member token: its sub is the member's id


def as_member(member_id: str) -> dict[str, str]:
    return {**MEMBER, "sub": member_id}


def enroll(member_id: str, **body: Any) -> dict[str, Any]:
    return ok(call("POST", "/v1/members", {"member_id": member_id, **body}, **SERVICE))  # type: ignore[no-any-return]


def block(member_id: str, reason: str = "fraud review", who: dict[str, str] = ADMIN) -> Answer:
    return call("POST", f"/v1/admin/members/{member_id}/block", {"reason": reason}, **who)


def unblock(member_id: str, who: dict[str, str] = ADMIN) -> Answer:
    return call("POST", f"/v1/admin/members/{member_id}/unblock", {"reason": "cleared"}, **who)


def accrue(member_id: str, tx: str, amount: int = 10_000) -> Answer:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}
    return call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE)


def redeem(member_id: str, rid: str) -> Answer:
    return call("POST", f"/v1/members/{member_id}/redemptions", {"redemption_id": rid, "reward_id": "charity-100"},
                **as_member(member_id))


def transfer(sender: str, recipient: str, tid: str) -> Answer:
    return call("POST", f"/v1/members/{sender}/transfers", {"transfer_id": tid, "to_member_id": recipient,
                                                             "points": 10}, **as_member(sender))


def blocked(answer: Answer) -> None:
    assert (answer.status, answer.body["error"]["code"]) == (409, "MEMBER_BLOCKED"), answer.body


def clean() -> None:
    assert audit_all()[1] == []


def test_a_blocked_member_cannot_earn_or_spend_but_reads_work_and_unblock_restores(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    answer = ok(block("m-1"), 200)
    assert answer["member_id"] == "m-1" and answer["status"] == "blocked"
    before, entries = view("m-1"), history("m-1")
    blocked(accrue("m-1", "t-1"))
    blocked(redeem("m-1", "r-1"))
    blocked(transfer("m-1", "m-2", "x-1"))
    blocked(transfer("m-2", "m-1", "x-2"))  # a blocked member receives nothing either
    with pytest.raises(BusinessRuleRefused) as refused:  # refused like any 409 of the event path: retried, then DLQ
        bus_event("AccrueFunction", "payments", "PaymentCaptured",
                  {"member_id": "m-1", "transaction_id": "pay-1", "amount_minor": 5_000, "currency": "USD"})
    assert refused.value.code == ErrorCode.MEMBER_BLOCKED
    assert view("m-1") == before and history("m-1") == entries and before["status"] == "blocked"
    assert view("m-2")["balance"]["available"] == 100
    ok(call("GET", "/v1/members/m-1", **as_member("m-1")), 200)  # the member itself still reads
    assert ok(unblock("m-1"), 200)["status"] == "active"
    ok(accrue("m-1", "t-1"))
    ok(transfer("m-1", "m-2", "x-1"))
    ok(transfer("m-2", "m-1", "x-2"))
    ok(redeem("m-1", "r-1"))
    assert view("m-1")["balance"] == {"available": 100 - 100, "pending": 100, "lifetime": 200, "qualifying": 100}
    clean()


def test_refunds_still_claw_back_from_a_blocked_member(moto_aws: None) -> None:
    enroll("m-1")
    ok(accrue("m-1", "t-1", 20_000))  # 200 pending
    ok(block("m-1"), 200)
    body = {"reversal_id": "v-1", "amount_minor": 10_000}
    assert ok(call("POST", "/v1/members/m-1/accruals/t-1/reversals", body, **SERVICE))["reversal"]["points"] == 100
    assert view("m-1")["balance"]["pending"] == 100
    clean()


def test_blocking_again_answers_200_and_announces_once(moto_aws: None,
                                                       published: list[tuple[str, dict[str, Any]]]) -> None:
    enroll("m-1")
    first = ok(block("m-1"), 200)
    assert ok(block("m-1", "another reason"), 200) == first
    assert ok(unblock("m-1"), 200) == ok(unblock("m-1"), 200)
    kinds = [(kind, detail.get("reason")) for kind, detail in published if kind.startswith("Member")]
    assert kinds == [("MemberEnrolled", None), ("MemberBlocked", "fraud review"), ("MemberUnblocked", "cleared")]


def test_only_an_admin_blocks_unblocks_or_erases(moto_aws: None) -> None:
    enroll("m-1")
    for who in (SERVICE, as_member("m-1")):
        assert block("m-1", who=who).status == 403
        assert unblock("m-1", who=who).status == 403
        assert call("DELETE", "/v1/members/m-1", **who).status == 403
    assert view("m-1")["status"] == "active" and view("m-1")["referral_code"]
    assert block("m-404").status == 404 and call("DELETE", "/v1/members/m-404", **ADMIN).status == 404
    assert call("POST", "/v1/admin/members/m-1/block", {}, **ADMIN).status == 422
    assert call("POST", "/v1/admin/members/m-1/block", {"reason": ""}, **ADMIN).status == 422


def test_erasure_forgets_the_profile_keeps_the_ledger_and_blocks(moto_aws: None) -> None:
    code = enroll("m-1")["referral_code"]
    profile = {"birthday": "05-06", "segments": ["vip"]}
    ok(call("PATCH", "/v1/members/m-1", profile, **SERVICE), 200)
    ok(accrue("m-1", "t-1", 20_000))
    balance, entries = view("m-1")["balance"], history("m-1")
    erased = ok(call("DELETE", "/v1/members/m-1", **ADMIN), 200)
    assert (erased["birthday"], erased["segments"], erased["referral_code"], erased["status"]) == (None, [], None,
                                                                                                   "blocked")
    assert view("m-1") == erased and erased["balance"] == balance and history("m-1") == entries
    answer = call("POST", "/v1/members", {"member_id": "m-2", "referral_code": code}, **SERVICE)
    assert (answer.status, answer.body["error"]["code"]) == (404, "REFERRAL_CODE_NOT_FOUND")
    assert repository.member_id_by_referral_code(code) is None
    assert list(repository.member_ids_with_birthday(["05-06"])) == []
    assert ok(call("DELETE", "/v1/members/m-1", **ADMIN), 200) == erased  # erasing again changes nothing
    blocked(unblock("m-1"))  # erased: blocked for good
    blocked(call("PATCH", "/v1/members/m-1", profile, **SERVICE))
    blocked(accrue("m-1", "t-2"))
    clean()


def test_erasure_empties_the_profile_in_the_stored_answers_and_replays_still_answer(moto_aws: None) -> None:
    code = enroll("m-1")["referral_code"]
    ok(call("PATCH", "/v1/members/m-1", {"birthday": "05-06", "segments": ["vip"]}, **SERVICE), 200)
    first = ok(accrue("m-1", "t-1", 20_000))
    assert first["member"]["birthday"] == "05-06"
    ok(call("DELETE", "/v1/members/m-1", **ADMIN), 200)
    stored = json.dumps([e.response for e in repository.entries_of("m-1")])
    assert "05-06" not in stored and "vip" not in stored and code not in stored
    replayed = ok(accrue("m-1", "t-1", 20_000))  # a replay answers as it did, without the profile
    assert replayed["accrual"] == first["accrual"] and replayed["member"]["balance"] == first["member"]["balance"]
    assert (replayed["member"]["birthday"], replayed["member"]["segments"], replayed["member"]["referral_code"]) == (
        None, [], None)
    clean()


def test_the_export_holds_the_whole_ledger_oldest_first(moto_aws: None) -> None:
    enroll("m-1")
    for n in range(60):
        body = {"adjustment_id": f"adj-{n:02d}", "points": n + 1, "reason": "test"}
        ok(call("POST", "/v1/admin/members/m-1/adjustments", body, **ADMIN))
    exported = ok(call("GET", "/v1/members/m-1/export", **as_member("m-1")), 200)
    entries = exported["entries"]
    assert len(entries) == 61 and entries[0]["entry_id"] == "welcome#m-1"
    assert [e["entry_id"] for e in entries[1:]] == [f"adjustment#adj-{n:02d}" for n in range(60)]
    assert [e["created_at"] for e in entries] == sorted(e["created_at"] for e in entries)
    assert entries[1]["detail"]["reason"] == "test"
    assert exported["view"] == view("m-1")
    assert sum(e["points"] for e in entries) == exported["view"]["balance"]["available"] == 100 + 60 * 61 // 2
    assert exported["member"]["member_id"] == "m-1" and exported["member"]["status"] == "active"
    assert sorted(lot["lot_id"] for lot in exported["lots"]) == sorted(e["entry_id"] for e in entries)
    assert [e.key for e in repository.ledger_and_lots("m-1", page_size=7)[0]] == [e["entry_id"] for e in entries]
    assert ok(call("GET", "/v1/members/m-1/export", **ADMIN), 200) == exported


def test_a_member_exports_only_itself_and_a_service_not_at_all(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    assert call("GET", "/v1/members/m-1/export", **as_member("m-2")).status == 403
    assert call("GET", "/v1/members/m-1/export", **SERVICE).status == 403
    assert call("GET", "/v1/members/m-404/export", **ADMIN).status == 404
    erased = ok(call("DELETE", "/v1/members/m-2", **ADMIN), 200)
    exported = ok(call("GET", "/v1/members/m-2/export", **as_member("m-2")), 200)  # an erased member still exports
    assert exported["view"] == erased and exported["member"]["birthday"] is None
    assert exported["member"]["erased_at"] is not None and len(exported["entries"]) == 1
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 2_500,
                                                  "currency": "USD"}, **SERVICE))
    lots = ok(call("GET", "/v1/members/m-1/export", **ADMIN), 200)["lots"]
    purchase = next(lot for lot in lots if lot["lot_id"] == "accrual#t-1")
    assert (purchase["amount_minor"], purchase["currency"], purchase["status"]) == (2_500, "USD", "pending")


def test_credits_are_earning_a_blocked_member_is_refused_or_skipped_but_debits_apply(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    ok(block("m-2"), 200)

    def adjust(key: str, points: int) -> Answer:
        body = {"adjustment_id": key, "points": points, "reason": "test"}
        return call("POST", "/v1/admin/members/m-2/adjustments", body, **ADMIN)

    blocked(adjust("adj-1", 50))
    ok(adjust("adj-2", -30))
    body = {"credit_id": "goodwill-1", "points": 250, "reason": "outage", "member_ids": ["m-1", "m-2"]}
    ok(call("POST", "/v1/admin/bulk-credits", body, **ADMIN), 202)
    done = ok(call("GET", "/v1/admin/bulk-credits/goodwill-1", **ADMIN), 200)
    assert (done["status"], done["credited"], done["skipped"]) == ("done", 1, 1)
    assert (view("m-1")["balance"]["available"], view("m-2")["balance"]["available"]) == (100 + 250, 100 - 30)
    clean()
