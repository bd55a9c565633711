"""Imported lots: what refuses a member (INVALID_LOT), how lots are fitted into one transaction, and the member an
import makes (buckets, expiry due, tier and its review, no welcome bonus, the counters)."""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty.domain import audit, clock, imports
from loyalty.domain.errors import BusinessRuleRefused, ErrorCode, InvalidRequest
from loyalty.domain.imports import MAX_LOTS, ImportCommand, ImportedLot, ImportedMember, ImportRun
from loyalty.domain.program import Program
from loyalty.service.execution import fingerprint
from loyalty.storage.mapping import member_to_item

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def lot(points: int, earned: timedelta, expires: timedelta) -> ImportedLot:
    return ImportedLot(points, NOW + earned, NOW + expires)


def refusal(lots: list[ImportedLot]) -> str:
    with pytest.raises(BusinessRuleRefused) as err:
        imports.check_lots(tuple(lots), NOW)
    assert err.value.code == ErrorCode.INVALID_LOT
    return err.value.message


def test_a_lot_that_expires_before_it_was_earned_is_invalid() -> None:
    good = lot(5, -timedelta(days=1), timedelta(days=10))
    assert "lots.1: expires" in refusal([good, lot(5, -timedelta(days=1), -timedelta(days=2))])
    assert "before it was earned" in refusal([lot(5, -timedelta(days=1), -timedelta(days=1))])  # at the same instant


def test_a_lot_expired_already_or_expiring_today_is_invalid() -> None:
    assert "expired already" in refusal([lot(5, -timedelta(days=400), -timedelta(days=1))])
    assert "expired already" in refusal([lot(5, -timedelta(days=300), timedelta(hours=11))])  # today, 23:00
    imports.check_lots((lot(5, -timedelta(days=300), timedelta(hours=12)),), NOW)  # tomorrow 00:00: valid


def test_a_lot_earned_in_the_future_is_invalid() -> None:
    assert "future" in refusal([lot(5, timedelta(minutes=1), timedelta(days=10))])


def test_lots_are_kept_as_sent_up_to_the_limit_then_merged_by_expiry_date() -> None:
    kept = imports.fitted(tuple(lot(1, -timedelta(days=n), timedelta(days=10 + n)) for n in range(MAX_LOTS)))
    assert len(kept) == MAX_LOTS and [x.expires_on for x in kept] == sorted(x.expires_on for x in kept)
    many = tuple(lot(n, -timedelta(days=n), timedelta(days=10 + n % 3)) for n in range(1, MAX_LOTS + 2))
    merged = imports.fitted(many)
    assert len(merged) == 3 and sum(x.points for x in merged) == sum(x.points for x in many)
    assert merged[0].earned_at == min(x.earned_at for x in many if x.expires_on == merged[0].expires_on)
    with pytest.raises(BusinessRuleRefused, match="distinct expiry dates"):
        imports.fitted(tuple(lot(1, -timedelta(days=1), timedelta(days=10 + n)) for n in range(MAX_LOTS + 1)))


def test_an_unknown_tier_refuses_the_whole_request(program: Program) -> None:
    with pytest.raises(InvalidRequest, match=r"members\.1\.tier"):
        imports.check_tiers(program, [ImportedMember("a", tier="Gold"), ImportedMember("b", tier="Diamond")])


def test_the_imported_member_holds_its_lots_in_their_buckets(program: Program) -> None:
    lots = (lot(300, -timedelta(days=200), timedelta(days=20)), lot(50, -timedelta(days=10), timedelta(days=20)),
            lot(700, -timedelta(days=100), timedelta(days=200)))
    cmd = ImportCommand("imp", ImportedMember("m", lots, tier="Gold", segments=("vip",)))
    posting = imports.import_member(program, cmd, "CODE2345", NOW)
    [member] = posting.members
    soon = (NOW + timedelta(days=20)).date().isoformat()
    assert member.wallet.available == 1050 and member.wallet.buckets[soon].credited == 350
    assert member_to_item(member).expiry_due == soon  # the points clock finds it on that day
    assert member.tier == "Gold" and member.tiers_reached == ["Silver", "Gold"]  # no entry bonus for them later
    assert member.review_on == (NOW.date() + timedelta(days=program.tier_review_days)).isoformat()
    assert member.qualifying(program, NOW.date()) == 0 and member.lifetime == 1050
    assert [e.key for e in posting.entries] == ["import#imp"] and posting.entries[0].points == 1050
    assert posting.stats == {"imported": 1050, "members": 1, "tier:Gold": 1}
    [imported] = posting.new_lots  # one lot, a segment per expiry date
    assert (imported.qualifying, imported.status, imported.points) == (False, "available", 1050)
    assert imported.segments == {soon: [350, 0], (NOW + timedelta(days=200)).date().isoformat(): [700, 0]}
    assert [x["points"] for x in posting.entries[0].detail["lots"]] == [300, 50, 700]  # as sent, soonest first
    assert audit.check_member(member, posting.entries, posting.new_lots) == []
    expired = clock.expire(program, member, datetime.fromisoformat(soon).replace(tzinfo=UTC))
    assert sum(-e.points for e in expired.entries) == 350 and member.wallet.available == 700


def test_a_member_without_a_tier_is_in_the_first_one_with_no_review(program: Program) -> None:
    posting = imports.import_member(program, ImportCommand("imp", ImportedMember("m")), "CODE2345", NOW)
    [member] = posting.members
    assert member.tier == program.tiers[0].name and member.review_on is None and member.wallet.available == 0


def test_a_page_takes_whole_lines_only_and_the_last_line_needs_no_newline() -> None:
    assert imports.complete_lines(b'{"a"}\n{"b"}\n{"c', at_end=False, most=10) == ([b'{"a"}', b'{"b"}'], 12)
    assert imports.complete_lines(b'{"c"}', at_end=True, most=10) == ([b'{"c"}'], 5)
    assert imports.complete_lines(b"x\ny\nz\n", at_end=True, most=2) == ([b"x", b"y"], 4)
    assert imports.complete_lines(b'{"cut', at_end=False, most=10) == ([], 0)  # the next read takes more bytes


def test_a_run_is_done_once_its_position_reaches_the_end_of_the_file() -> None:
    run = ImportRun("imp", "imports/imp.jsonl", '"etag"', size=30, started_at="t0")
    run.advance(20, 2, ["imported", "refused"], "t1")
    assert (run.status, run.position, run.lines, run.imported, run.refused) == ("running", 20, 2, 1, 1)
    run.advance(10, 1, ["replayed"], "t2")
    assert (run.status, run.finished_at, run.replayed) == ("done", "t2", 1)


def test_an_imports_fingerprint_is_the_one_of_every_field_as_sent() -> None:
    member = ImportedMember("m", (lot(5, -timedelta(days=1), timedelta(days=10)), lot(7, -timedelta(days=2),
                                  timedelta(days=20))), tier="Gold", segments=("vip", "b"), birthday="03-14")
    cmd = ImportCommand("imp", member)

    def canonical(payload: dict[str, Any]) -> str:  # as service.execution.fingerprint digests it
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    assert canonical(cmd.idempotency_payload()) == canonical(dataclasses.asdict(cmd))
    assert fingerprint(cmd) != fingerprint(ImportCommand("imp", dataclasses.replace(member, segments=("vip",))))
