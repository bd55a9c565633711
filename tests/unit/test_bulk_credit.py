"""The rules of a bulk credit: each member once, the adjustment it makes, when it is done, who is skipped."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.domain import bulk_credit
from loyalty.domain.bulk_credit import BulkCreditCommand, BulkCreditJob
from loyalty.domain.errors import BusinessRuleRefused, ErrorCode
from loyalty.domain.program import Program

from .builders import enrolled

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def job(**changes: object) -> BulkCreditJob:
    cmd = BulkCreditCommand("c-1", 50, "goodwill", ("m-1", "m-2", "m-1", "m-3"))
    made = bulk_credit.new_job(cmd, "fp", NOW)
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def test_a_listed_member_is_one_member_however_often_it_is_listed() -> None:
    cmd = BulkCreditCommand("c-1", 50, "x", ("m-1", "m-2", "m-1", "m-3"))
    assert bulk_credit.audience(cmd) == ["m-1", "m-2", "m-3"]
    assert (job().members, job().expanded) == (3, True)


def test_a_segment_job_knows_its_members_only_as_its_pages_are_read() -> None:
    made = bulk_credit.new_job(BulkCreditCommand("c-2", 5, "x", segment="vip"), "fp", NOW)
    assert (made.members, made.expanded, made.status) == (0, False, "running")


@pytest.mark.parametrize(("credited", "skipped", "expanded", "status"), [
    (0, 0, True, "running"), (2, 0, True, "running"), (2, 1, True, "done"), (3, 0, False, "running")])
def test_done_once_every_member_found_has_an_outcome(credited: int, skipped: int, expanded: bool,
                                                     status: str) -> None:
    assert job(credited=credited, skipped=skipped, expanded=expanded).status == status


def test_the_credit_is_an_adjustment_keyed_by_the_credit_id(program: Program) -> None:
    member = enrolled(program, "m-1", NOW)
    posting = bulk_credit.credit(program, member, job(), NOW)
    [entry] = posting.entries
    assert (entry.key, entry.type, entry.points, entry.reference) == ("adjustment#bulk#c-1", "adjustment", 50,
                                                                      "goodwill")
    [lot] = posting.new_lots
    assert (lot.points, lot.qualifying) == (50, False)


def test_a_blocked_member_is_refused(program: Program) -> None:
    member = enrolled(program, "m-1", NOW)
    member.status = "blocked"
    with pytest.raises(BusinessRuleRefused) as refused:
        bulk_credit.credit(program, member, job(), NOW)
    assert refused.value.code == ErrorCode.MEMBER_BLOCKED


def test_chunks_of_a_list() -> None:
    ids = [f"m-{n}" for n in range(250)]
    assert [len(c) for c in bulk_credit.chunks(ids)] == [100, 100, 50]
    assert [m for chunk in bulk_credit.chunks(ids) for m in chunk] == ids


def test_the_audit_of_a_job_against_its_ledger_entries() -> None:
    assert bulk_credit.credit_of("adjustment#bulk#c-1") == "c-1"
    assert bulk_credit.credit_of("adjustment#c-1") is None
    credited = job(credited=2, skipped=1)
    assert bulk_credit.check_job("c-1", credited, ["m-1", "m-2"], {"m-1": "credited", "m-2": "credited"}) == []
    assert bulk_credit.check_job("c-1", credited, ["m-1", "m-2"], {"m-1": "credited", "m-2": None}) == [
        "bulk credit c-1: m-2 credited, its outcome is None"]
    assert bulk_credit.check_job("c-1", credited, ["m-1"], {"m-1": "credited"}) == [
        "bulk credit c-1: counts 2 credited, the ledger 1"]
    assert bulk_credit.check_job("c-1", None, ["m-1"], {}) == ["bulk credit c-1: ledger entries without a job"]
