"""Tiers: qualifying points over a rolling 12 months, upgrades at once (may skip tiers), reviews down one tier."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from loyalty.answers import AccrualAnswer
from loyalty.domain import accrual, clock, tiers
from loyalty.domain.earning import Purchase
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program
from loyalty.events import PointsAccrued, TierChanged

from .builders import enrolled

THRESHOLDS = [("Member", 0), ("Silver", 2000), ("Gold", 5000), ("Platinum", 15000)]
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def earned(qualifying: int) -> str:
    return [name for name, need in THRESHOLDS if need <= qualifying][-1]


@pytest.mark.parametrize("qualifying", [0, 1999, 2000, 4999, 5000, 14999, 15000, 10**9])
def test_earned_tier_thresholds(program: Program, qualifying: int) -> None:
    assert tiers.earned_tier(program, qualifying).name == earned(qualifying)


@pytest.mark.parametrize("current", [n for n, _ in THRESHOLDS])
@pytest.mark.parametrize("qualifying", [0, 2500, 6000, 20000])
def test_upgrade_goes_straight_to_the_earned_tier_and_never_down(program: Program, current: str, qualifying: int) -> None:
    names = [n for n, _ in THRESHOLDS]
    target = earned(qualifying)
    got = tiers.upgraded_tier(program, current, qualifying)
    assert got == (target if names.index(target) > names.index(current) else None)


def test_upgrade_may_skip_tiers(program: Program) -> None:
    assert tiers.upgraded_tier(program, "Member", 15000) == "Platinum"
    assert tiers.upgraded_tier(program, "Member", 5000) == "Gold"


@pytest.mark.parametrize("current,qualifying,after", [
    ("Platinum", 0, "Gold"), ("Gold", 0, "Silver"), ("Silver", 0, "Member"), ("Member", 0, "Member"),
    ("Platinum", 14999, "Gold"), ("Platinum", 15000, "Platinum"), ("Gold", 5000, "Gold"), ("Gold", 4999, "Silver"),
    ("Silver", 6000, "Gold"),  # still earned and more: the review keeps the earned tier
])
def test_review_keeps_an_earned_tier_or_moves_down_exactly_one(program: Program, current: str, qualifying: int,
                                                                after: str) -> None:
    assert tiers.reviewed_tier(program, current, qualifying) == after


@pytest.mark.parametrize("current,qualifying,nxt", [
    ("Member", 0, ("Silver", 2000)), ("Silver", 2400, ("Gold", 2600)), ("Gold", 5000, ("Platinum", 10000)),
    ("Member", 3000, ("Silver", 0)), ("Platinum", 0, None), ("Platinum", 99999, None),
])
def test_next_tier_progress(program: Program, current: str, qualifying: int, nxt: tuple[str, int] | None) -> None:
    assert tiers.next_tier(program, current, qualifying) == nxt


def test_qualifying_window_is_a_rolling_365_days() -> None:
    today = date(2027, 6, 30)
    by_day = {(today - timedelta(days=365)).isoformat(): 1000, (today - timedelta(days=364)).isoformat(): 10,
              today.isoformat(): 1}
    assert tiers.qualifying_total(by_day, today, 365) == 11
    assert tiers.qualifying_total(by_day, today + timedelta(days=1), 365) == 1
    pruned = tiers.prune_qualifying({**by_day, "2027-06-01": 0}, today, 365)
    assert pruned == {(today - timedelta(days=364)).isoformat(): 10, today.isoformat(): 1}


def big_purchase(program: Program, member: MemberState, tx: str, amount: int, at: datetime) -> int:
    cmd = accrual.AccrualCommand(tx, "purchase", at, purchase=Purchase(amount, "USD", "store", (), at))
    posting = accrual.accrue(program, member, cmd, at)
    assert isinstance(posting.response, AccrualAnswer)
    return posting.response.accrual.points


def test_upgrade_counts_pending_points_and_sets_a_review_date(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    big_purchase(program, member, "t1", 1_500_000, T0)  # 15 000 points, still pending
    assert member.wallet.pending == 15000
    posting = clock.evaluate_upgrade(program, member, T0)
    assert member.tier == "Platinum"
    assert member.review_on == (T0.date() + timedelta(days=365)).isoformat()
    # the change, then the entry bonus of every tier reached for the first time (skipped ones included)
    assert [type(e) for e in posting.events] == [TierChanged, PointsAccrued, PointsAccrued, PointsAccrued]
    assert [(e.transaction_id, e.points) for e in posting.events if isinstance(e, PointsAccrued)] == [
        ("tier_bonus#Silver", 200), ("tier_bonus#Gold", 500), ("tier_bonus#Platinum", 1500)]
    changed = posting.events[0]
    assert isinstance(changed, TierChanged) and (changed.from_tier, changed.to) == ("Member", "Platinum")
    assert clock.evaluate_upgrade(program, member, T0).empty  # nothing more to do


def test_new_multiplier_applies_to_the_next_purchase(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    assert big_purchase(program, member, "t1", 500_000, T0) == 5000
    clock.evaluate_upgrade(program, member, T0)
    assert member.tier == "Gold"
    assert big_purchase(program, member, "t2", 10_000, T0) == 150


def test_review_downgrades_one_tier_per_review(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    big_purchase(program, member, "t1", 1_500_000, T0)
    clock.evaluate_upgrade(program, member, T0)
    review_day = T0 + timedelta(days=365)
    assert clock.review(program, member, review_day - timedelta(days=1)).empty  # not yet due
    assert member.tier == "Platinum"
    clock.review(program, member, review_day)
    assert member.qualifying(program, review_day.date()) == 0  # the purchase left the window
    assert member.tier == "Gold"
    assert member.review_on == (review_day.date() + timedelta(days=365)).isoformat()
    assert clock.review(program, member, review_day + timedelta(days=1)).empty
    clock.review(program, member, review_day + timedelta(days=365))
    assert member.tier == "Silver"
    clock.review(program, member, review_day + timedelta(days=730))
    assert member.tier == "Member"
    assert member.review_on is None


def test_review_keeps_the_tier_when_still_earned(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    big_purchase(program, member, "t1", 600_000, T0)
    clock.evaluate_upgrade(program, member, T0)
    assert member.tier == "Gold"
    later = T0 + timedelta(days=300)
    big_purchase(program, member, "t2", 600_000, later)
    review_day = T0 + timedelta(days=365)
    posting = clock.review(program, member, review_day)
    assert member.tier == "Gold"
    assert not [e for e in posting.events if isinstance(e, TierChanged)]
