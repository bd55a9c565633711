"""Blocking and erasure under races and crashes: accruals racing a block either landed before it or are refused,
never half-applied; an erasure interrupted after its write is finished by the DELETE again."""
from __future__ import annotations

import pytest

from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.functions import call, concurrently


def test_accruals_racing_a_block_land_before_it_or_are_refused(moto_aws: None, quick_backoff: None) -> None:
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    accruals = [("POST", "/v1/members/m-1/accruals", {"transaction_id": f"t-{n}", "kind": "purchase",
                                                       "amount_minor": 1_000, "currency": "USD"}, SERVICE)
                for n in range(8)]
    block = ("POST", "/v1/admin/members/m-1/block", {"reason": "fraud review"}, ADMIN)
    answers = concurrently([*accruals[:4], block, *accruals[4:]])
    assert answers[4].status == 200
    earned = [a for a in answers if a.status == 201]
    refused = [a for a in answers if a.status == 409]
    assert len(earned) + len(refused) == 8 and {a.body["error"]["code"] for a in refused} <= {"MEMBER_BLOCKED"}
    assert sorted(e["entry_id"] for e in history("m-1") if e["type"] == "accrual") == sorted(
        ["welcome#m-1"] + [f"accrual#{a.body['accrual']['transaction_id']}" for a in earned])
    assert view("m-1")["balance"]["pending"] == 10 * len(earned) and view("m-1")["status"] == "blocked"
    assert audit_all()[1] == []


def test_an_erasure_cut_after_its_write_is_finished_by_the_delete_again(moto_aws: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(call("PATCH", "/v1/members/m-1", {"birthday": "05-06"}, **SERVICE), 200)
    body = {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 1_000, "currency": "USD"}
    ok(call("POST", "/v1/members/m-1/accruals", body, **SERVICE))
    rewrite = repository.rewrite_answers

    def crash(*args: object) -> int:
        raise RuntimeError("the function died after the erasure's write")

    monkeypatch.setattr(repository, "rewrite_answers", crash)
    assert call("DELETE", "/v1/members/m-1", **ADMIN).status == 500
    assert view("m-1")["birthday"] is None and "05-06" in str(repository.get_entry("m-1", "accrual#t-1"))
    monkeypatch.setattr(repository, "rewrite_answers", rewrite)
    ok(call("DELETE", "/v1/members/m-1", **ADMIN), 200)
    assert "05-06" not in str([e.response for e in repository.entries_of("m-1")])
    assert audit_all()[1] == []
