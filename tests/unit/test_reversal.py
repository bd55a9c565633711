"""Refunds claw points back in proportion, rounded down, the completing refund takes exactly the rest; pending first,
then available, then debt that later credits repay first."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.domain import accrual, clock, spending
from loyalty.domain.audit import check_member
from loyalty.domain.earning import Purchase, reversal_points
from loyalty.domain.errors import BusinessRuleRefused
from loyalty.domain.ledger import Lot
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program

from .builders import Book, enrolled

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("points,amount,refunds", [
    (100, 1000, [333, 333, 334]),
    (7, 300, [100, 100, 100]),
    (1, 3, [1, 1, 1]),
    (50, 5000, [4999, 1]),
    (123, 12345, [12345]),
    (0, 10, [5, 5]),
    (999, 1000, [1] * 10 + [990]),
])
def test_reversal_points_proportional_rounded_down_completing_refund_takes_the_rest(
        points: int, amount: int, refunds: list[int]) -> None:
    refunded = reversed_ = 0
    for i, refund in enumerate(refunds):
        take = reversal_points(points, amount, refunded, refund, reversed_)
        completing = i == len(refunds) - 1 and refunded + refund == amount
        if completing:
            assert take == points - reversed_
        else:
            assert take == points * refund // amount
        refunded += refund
        reversed_ += take
    assert reversed_ == points


def test_partial_refunds_never_take_more_than_earned() -> None:
    points, amount = 10, 30
    refunded = reversed_ = 0
    for _ in range(29):  # 29 refunds of 1: each rounds down to 0 points
        take = reversal_points(points, amount, refunded, 1, reversed_)
        assert take == 0
        refunded, reversed_ = refunded + 1, reversed_ + take
    assert reversal_points(points, amount, refunded, 1, reversed_) == 10


def purchase(program: Program, member: MemberState, book: Book, tx: str, amount: int, at: datetime,
             now: datetime | None = None) -> Lot:
    cmd = accrual.AccrualCommand(tx, "purchase", at, purchase=Purchase(amount, "USD", "online", (), at))
    posting = book.apply(accrual.accrue(program, member, cmd, now or at))
    return posting.new_lots[0]


def refund(program: Program, member: MemberState, book: Book, lot: Lot, rid: str, amount: int | None,
           now: datetime) -> int:
    cmd = accrual.ReversalCommand(rid, lot.lot_id.split("#", 1)[1], amount)
    posting = book.apply(accrual.reverse(program, member, lot, cmd, now))
    return -posting.entries[0].points


def sound(member: MemberState, book: Book) -> None:
    assert check_member(member, book.entries, book.lot_list()) == []


def test_reversal_takes_from_pending_first(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    lot = purchase(program, member, book, "t1", 10000, T0)  # 100 points pending for 14 days
    assert (member.wallet.pending, member.wallet.available) == (100, 100)
    assert refund(program, member, book, lot, "r1", 2500, T0 + timedelta(days=1)) == 25
    assert (member.wallet.pending, member.wallet.available) == (75, 100)
    sound(member, book)
    clock.release(program, member, [lot], T0 + timedelta(days=14))
    assert (member.wallet.pending, member.wallet.available) == (0, 175)
    sound(member, book)


def test_reversal_after_release_takes_available_then_debt_repaid_by_the_next_credit(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)  # 100 welcome points
    lot = purchase(program, member, book, "t1", 50000, T0)  # 500 pending
    book.apply(clock.release(program, member, [lot], T0 + timedelta(days=14)))
    later = T0 + timedelta(days=15)
    book.apply(spending.redeem(program, member, spending.RedemptionCommand("r1", "coffee", 1), later))
    assert member.wallet.available == 100
    assert refund(program, member, book, lot, "rv1", None, later) == 500  # the whole purchase
    assert member.wallet.available == -400
    assert member.wallet.debt == 400
    sound(member, book)
    with pytest.raises(BusinessRuleRefused) as err:
        spending.redeem(program, member, spending.RedemptionCommand("r2", "charity-100", 1), later)
    assert err.value.code == "INSUFFICIENT_POINTS"
    book.apply(spending.adjust(program, member, spending.AdjustmentCommand("adj-1", "credit", 450, "goodwill"), later))
    assert member.wallet.debt == 0
    assert member.wallet.available == 50
    sound(member, book)


def test_refund_beyond_the_amount_is_refused_and_changes_nothing(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    lot = purchase(program, member, book, "t1", 1000, T0)
    assert refund(program, member, book, lot, "r1", 600, T0) == 6
    before = (member.model_dump(), lot.refunded_minor, lot.reversed_points)
    with pytest.raises(BusinessRuleRefused) as err:
        accrual.reverse(program, member, lot, accrual.ReversalCommand("r2", "t1", 401), T0)
    assert err.value.code == "REFUND_EXCEEDS_AMOUNT"
    assert (member.model_dump(), lot.refunded_minor, lot.reversed_points) == before
    assert refund(program, member, book, lot, "r3", None, T0) == 4  # omitted amount = the whole rest
    with pytest.raises(BusinessRuleRefused):
        accrual.reverse(program, member, lot, accrual.ReversalCommand("r4", "t1", None), T0)
    sound(member, book)


def test_reversal_takes_qualifying_points_back(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    lot = purchase(program, member, book, "t1", 300000, T0)
    assert member.qualifying(program, T0.date()) == 3000
    refund(program, member, book, lot, "r1", 100000, T0 + timedelta(days=2))
    assert member.qualifying(program, (T0 + timedelta(days=2)).date()) == 2000
    assert member.lifetime == 100 + 2000


def test_activity_reversal_is_whole_and_once(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    cmd = accrual.AccrualCommand("rev-1", "activity", T0, activity="review")
    lot = book.apply(accrual.accrue(program, member, cmd, T0)).new_lots[0]
    with pytest.raises(BusinessRuleRefused):
        accrual.reverse(program, member, lot, accrual.ReversalCommand("x", "rev-1", 10), T0)
    assert refund(program, member, book, lot, "x", None, T0) == 50
    with pytest.raises(BusinessRuleRefused):
        accrual.reverse(program, member, lot, accrual.ReversalCommand("y", "rev-1", None), T0)
    assert member.wallet.available == 100
    sound(member, book)
