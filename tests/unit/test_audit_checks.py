"""domain.audit: a sound member passes, and each deliberate corruption of its state is detected."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from loyalty.domain import accrual, clock, spending
from loyalty.domain.audit import check_member, check_stock
from loyalty.domain.earning import Purchase
from loyalty.domain.ledger import LedgerEntry
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program

from .builders import Book, enrolled

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def history(program: Program) -> tuple[MemberState, Book]:
    """Enroll, purchase (pending then released), an activity, a redemption, a partial refund, a credit."""
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    cmd = accrual.AccrualCommand("t1", "purchase", T0, purchase=Purchase(120000, "USD", "app", (), T0))
    lot = book.apply(accrual.accrue(program, member, cmd, T0)).new_lots[0]
    t1 = T0 + timedelta(days=14)
    book.apply(clock.release(program, member, [lot], t1))
    act = accrual.AccrualCommand("c1", "activity", t1, activity="checkin")
    book.apply(accrual.accrue(program, member, act, t1))
    book.apply(spending.redeem(program, member, spending.RedemptionCommand("r1", "coffee", 1), t1))
    book.apply(accrual.reverse(program, member, lot, accrual.ReversalCommand("rv1", "t1", 30000), t1))
    book.apply(spending.adjust(program, member, spending.AdjustmentCommand("a1", "credit", 77, "goodwill"), t1))
    return member, book


def test_a_sound_history_passes(program: Program) -> None:
    member, book = history(program)
    assert member.wallet.available == 100 + 1200 + 5 - 500 - 300 + 77
    assert check_member(member, book.entries, book.lot_list()) == []


def bump_pending(m: MemberState, b: Book) -> None:
    m.wallet.pending += 1


def drop_redemption(m: MemberState, b: Book) -> None:
    b.entries = [e for e in b.entries if e.type != "redemption"]


def unrecorded_spend(m: MemberState, b: Book) -> None:
    next(iter(m.wallet.buckets.values())).consumed += 3


def overlapping_lot(m: MemberState, b: Book) -> None:
    lot = b.lots["accrual#t1"]
    for seg in lot.segments.values():
        seg[1] += 1


def debt_while_points_remain(m: MemberState, b: Book) -> None:
    m.wallet.debt = 5
    b.entries.append(LedgerEntry(m.member_id, "reversal#ghost", "reversal", -5, T0, "ghost"))


def spent_expired_points(m: MemberState, b: Book) -> None:
    entry = next(e for e in b.entries if e.type == "redemption")
    entry.detail = {**entry.detail, "draws": {entry.created_at.date().isoformat(): 500}}


def reversal_mismatch(m: MemberState, b: Book) -> None:
    b.lots["accrual#t1"].reversed_points += 1


def overspent_bucket(m: MemberState, b: Book) -> None:
    bucket = next(iter(m.wallet.buckets.values()))
    bucket.consumed = bucket.credited + 1


@pytest.mark.parametrize("corrupt,mentions", [
    (bump_pending, "pending"),
    (drop_redemption, "ledger sums"),
    (unrecorded_spend, "ledger sums"),
    (overlapping_lot, "gap or overlap"),
    (debt_while_points_remain, "debt"),
    (spent_expired_points, "expired"),
    (reversal_mismatch, "reversals sum"),
    (overspent_bucket, "consumed"),
])
def test_each_corruption_is_detected(program: Program, corrupt: Callable[[MemberState, Book], None],
                                     mentions: str) -> None:
    member, book = history(program)
    member, book = member.model_copy(deep=True), book.copy()
    corrupt(member, book)
    problems = check_member(member, book.entries, book.lot_list())
    assert problems, f"{corrupt.__name__} went unnoticed"
    assert any(mentions in p for p in problems), problems


def test_stock_checks(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    spending.adjust(program, member, spending.AdjustmentCommand("a", "credit", 100_000, "x"), T0)
    member.tier = "Gold"
    book.apply(spending.redeem(program, member, spending.RedemptionCommand("r1", "lounge", 3), T0))
    redemption = next(e for e in book.entries if e.type == "redemption")
    book.apply(spending.cancel_redemption(program, member, redemption, T0))
    book.apply(spending.redeem(program, member, spending.RedemptionCommand("r2", "lounge", 2), T0))
    assert check_stock(program, {"lounge": 2}, book.entries) == []
    assert check_stock(program, {"lounge": 5}, book.entries)  # the cancellation did not give the stock back
    assert check_stock(program, {"lounge": 1}, book.entries)
    assert any("handed out" in p for p in check_stock(program, {"lounge": 11}, book.entries))
    assert check_stock(program, {"lounge": -1}, book.entries)


def test_a_debt_next_to_points_that_had_already_expired_is_sound(program: Program) -> None:
    """A reversal after a bucket's date but before the clock swept it cannot take those expired points: the debt
    is right, and the audit must not call it a problem (while still flagging debt next to live points)."""
    book = Book()
    member = enrolled(program, "m-1", T0, book)  # 100 points dated D
    act = accrual.AccrualCommand("rev-1", "activity", T0, activity="review")
    lot = book.apply(accrual.accrue(program, member, act, T0)).new_lots[0]  # 50 more on D
    book.apply(spending.redeem(program, member, spending.RedemptionCommand("r1", "charity-100", 1), T0))
    after_d = T0 + timedelta(days=366)  # D has come; the clock has not run yet
    book.apply(accrual.reverse(program, member, lot, accrual.ReversalCommand("v1", "rev-1", None), after_d))
    assert member.wallet.debt == 50
    assert check_member(member, book.entries, book.lot_list()) == []
    book.apply(clock.expire(program, member, after_d))
    assert member.wallet.available == -50
    assert check_member(member, book.entries, book.lot_list()) == []
    member.wallet.credit((after_d.date() + timedelta(days=300)).isoformat(), 0)
    member.wallet.buckets[(after_d.date() + timedelta(days=300)).isoformat()].credited += 7  # unrepaid live points
    assert any("debt" in p for p in check_member(member, book.entries, book.lot_list()))
