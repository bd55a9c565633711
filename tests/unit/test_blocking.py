"""Blocking and erasure in the domain: the one guard refuses earning, redeeming and both ends of a transfer with
MEMBER_BLOCKED; refunds, the points clock, cancellations and admin debits still apply; erasure forgets the profile
and keeps the points."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty.domain import accrual, clock, profile, spending, standing
from loyalty.domain.audit import check_member
from loyalty.domain.earning import Purchase
from loyalty.domain.errors import BusinessRuleRefused, ErrorCode
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program
from loyalty.events import MemberBlocked, MemberErased, MemberUnblocked

from .builders import Book, enrolled

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def purchase_cmd(tx: str, amount: int, at: datetime = T0) -> accrual.AccrualCommand:
    return accrual.AccrualCommand(tx, "purchase", at, purchase=Purchase(amount, "USD", "online", (), at))


def blocked_member(program: Program, book: Book, member_id: str = "m-1") -> MemberState:
    member = enrolled(program, member_id, T0, book)
    book.apply(accrual.accrue(program, member, purchase_cmd("t1", 50_000), T0))  # 500 pending
    book.apply(standing.block(program, member, "fraud review", T0))
    return member


def refused(operation: Callable[[], Any]) -> str:
    with pytest.raises(BusinessRuleRefused) as err:
        operation()
    assert err.value.code == ErrorCode.MEMBER_BLOCKED
    return err.value.message


def test_block_once_then_the_same_answer_with_nothing_written(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    first = standing.block(program, member, "fraud review", T0)
    assert first.members == [member] and first.events == [MemberBlocked(member_id="m-1", reason="fraud review")]
    assert member.status == "blocked" and member.blocked_reason == "fraud review"
    again = standing.block(program, member, "another reason", T0 + timedelta(hours=1))
    assert again.empty and again.events == [] and member.blocked_reason == "fraud review"
    assert again.response == first.response and first.response.status == "blocked"  # type: ignore[union-attr]


def test_unblock_restores_and_a_second_unblock_writes_nothing(program: Program) -> None:
    book = Book()
    member = blocked_member(program, book)
    posting = standing.unblock(program, member, "cleared", T0)
    assert posting.events == [MemberUnblocked(member_id="m-1", reason="cleared")]
    assert member.status == "active" and member.blocked_reason is None and member.may("earn")
    assert standing.unblock(program, member, "cleared", T0).empty
    accrual.accrue(program, member, purchase_cmd("t2", 1_000), T0)  # earns again


def test_a_blocked_member_cannot_earn_redeem_or_be_paid_a_referral(program: Program) -> None:
    book = Book()
    member = blocked_member(program, book)
    before = member.model_copy(deep=True)
    assert "earn points" in refused(lambda: accrual.accrue(program, member, purchase_cmd("t2", 1_000), T0))
    activity = accrual.AccrualCommand("a1", "activity", T0, activity="checkin")
    refused(lambda: accrual.accrue(program, member, activity, T0))
    refused(lambda: accrual.pay_referral(program, member, "m-9", T0))
    refused(lambda: spending.redeem(program, member, spending.RedemptionCommand("r1", "charity-100", 1), T0))
    assert member == before  # a refusal changes nothing


def test_a_blocked_member_neither_sends_nor_receives_a_transfer(program: Program) -> None:
    book = Book()
    blocked = blocked_member(program, book)
    active = enrolled(program, "m-2", T0, book)
    cmd = spending.TransferCommand("x1", "m-2", 50)
    assert "transfer points" in refused(lambda: spending.transfer(program, blocked, active, cmd, T0))
    back = spending.TransferCommand("x2", "m-1", 50)
    assert "receive a transfer" in refused(lambda: spending.transfer(program, active, blocked, back, T0))
    assert (blocked.wallet.available, active.wallet.available) == (100, 100)


def test_refunds_clock_cancellations_and_debits_still_apply_to_a_blocked_member(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    lot = book.apply(accrual.accrue(program, member, purchase_cmd("t1", 50_000), T0)).new_lots[0]
    released = T0 + timedelta(days=15)
    book.apply(clock.release(program, member, [lot], released))
    redemption = book.apply(spending.redeem(program, member, spending.RedemptionCommand("r1", "coffee", 1), released))
    book.apply(standing.block(program, member, "fraud review", released))
    book.apply(spending.cancel_redemption(program, member, redemption.entries[0], released))  # 500 back
    book.apply(accrual.reverse(program, member, lot, accrual.ReversalCommand("v1", "t1", 10_000), released))  # -100
    book.apply(spending.adjust(program, member, spending.AdjustmentCommand("adj-1", "debit", 50, "fee"), released))
    goodwill = spending.AdjustmentCommand("adj-2", "credit", 50, "goodwill")
    refused(lambda: spending.adjust(program, member, goodwill, released))  # a credit is earning
    assert member.wallet.available == 100 + 500 - 100 - 50
    expiry = member.wallet.next_expiry()
    assert expiry is not None
    expired = book.apply(clock.expire(program, member, datetime.fromisoformat(expiry).replace(tzinfo=UTC)))
    assert -sum(e.points for e in expired.entries) == 450 and member.wallet.available == 0
    assert check_member(member, book.entries, book.lot_list()) == []


def test_a_blocked_member_gets_no_birthday_bonus_and_no_upgrade(program: Program) -> None:
    book = Book()
    member = blocked_member(program, book)
    member.birthday = T0.strftime("%m-%d")
    assert profile.birthday_bonus(program, member, T0).empty
    member.qualifying_by_day = {T0.date().isoformat(): 100_000}  # far above any tier
    assert clock.evaluate_upgrade(program, member, T0).empty and member.tier == program.tiers[0].name
    standing.unblock(program, member, "cleared", T0)
    assert not profile.birthday_bonus(program, member, T0).empty
    assert not clock.evaluate_upgrade(program, member, T0).empty


def test_erasure_forgets_the_profile_keeps_the_points_and_blocks_for_good(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    member.birthday, member.segments, member.referred_by = "05-06", ["vip"], "m-0"
    book.apply(accrual.accrue(program, member, purchase_cmd("t1", 50_000), T0))
    wallet = member.wallet.model_copy(deep=True)
    posting = book.apply(standing.erase(program, member, T0))
    assert posting.events == [MemberErased(member_id="m-1")]
    profile_fields = {"birthday", "segments", "referral_code", "referred_by"}
    assert member.model_dump(include=profile_fields) == dict.fromkeys(profile_fields) | {"segments": []}
    assert member.status == "blocked" and member.erased_at == T0 and member.wallet == wallet
    assert member.activity_dates == {} and member.challenges == {}
    assert check_member(member, book.entries, book.lot_list()) == []
    assert standing.erase(program, member, T0 + timedelta(days=1)).empty
    assert "erased" in refused(lambda: standing.unblock(program, member, "cleared", T0))
    refused(lambda: profile.update_profile(program, member, profile.ProfileChange(birthday="01-02"), False, T0))
    refused(lambda: profile.update_profile(program, member, profile.ProfileChange(segments=("vip",)), False, T0))
    assert profile.update_profile(program, member, profile.ProfileChange(segments=()), False, T0).empty  # no change


def test_the_view_shows_the_status(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    assert member.view(program, T0.date()).status == "active"
    standing.block(program, member, "review", T0)
    assert member.view(program, T0.date()).status == "blocked"


def test_a_stored_answer_loses_the_erased_members_profile_and_nothing_else() -> None:
    view = {"member_id": "m-1", "birthday": "05-06", "segments": ["vip"], "referral_code": "ABCD2345", "tier": "Gold",
            "balance": {"available": 10}}
    answer = {"accrual": {"transaction_id": "t-1", "points": 5}, "member": view}
    redacted = standing.redacted("m-1", answer)
    assert redacted == {**answer, "member": {**view, "birthday": None, "segments": [], "referral_code": None}}
    assert standing.redacted("m-1", redacted) == redacted
    other = {"transfer": {"to_member_id": "m-2"}, "member": {**view, "member_id": "m-2"}}
    assert standing.redacted("m-1", other) == other  # another member's view is not this erasure's
