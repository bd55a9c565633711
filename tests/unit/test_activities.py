"""Activity points and caps: review 5 per 30 days, checkin once a calendar day, profile once ever, share 3 per 7 days."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.answers import AccrualAnswer
from loyalty.domain import accrual
from loyalty.domain.errors import BusinessRuleRefused, InvalidRequest
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program

from .builders import enrolled

DAY0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
POINTS = {"review": 50, "checkin": 5, "profile_completed": 200, "social_share": 20}


class Counter:
    n = 0


def act(program: Program, member: MemberState, activity: str, at: datetime) -> int:
    Counter.n += 1
    cmd = accrual.AccrualCommand(f"act-{Counter.n}", "activity", at, activity=activity)
    posting = accrual.accrue(program, member, cmd, at)
    assert isinstance(posting.response, AccrualAnswer)
    return posting.response.accrual.points


def refused(program: Program, member: MemberState, activity: str, at: datetime) -> bool:
    before = member.model_dump()
    try:
        act(program, member, activity, at)
    except BusinessRuleRefused as err:
        assert err.code == "ACTIVITY_CAP_REACHED"
        assert member.model_dump() == before, "a refused activity must change nothing"
        return True
    return False


@pytest.fixture
def member(program: Program) -> MemberState:
    return enrolled(program, "m-1", DAY0 - timedelta(days=100))


@pytest.mark.parametrize("activity", sorted(POINTS))
def test_activity_points_are_available_at_once(program: Program, member: MemberState, activity: str) -> None:
    before = member.wallet.available
    cmd = accrual.AccrualCommand("a-1", "activity", DAY0, activity=activity)
    posting = accrual.accrue(program, member, cmd, DAY0)
    assert isinstance(posting.response, AccrualAnswer)
    assert posting.response.accrual.points == POINTS[activity]
    assert posting.response.accrual.status == "available"
    assert member.wallet.available == before + POINTS[activity]
    assert member.wallet.pending == 0


def test_review_at_most_five_per_thirty_days(program: Program, member: MemberState) -> None:
    for i in range(5):
        assert act(program, member, "review", DAY0 + timedelta(hours=i)) == 50
    assert refused(program, member, "review", DAY0 + timedelta(days=1))
    # the 30-day window counts today and the 29 days before: day 29 still sees all five, day 30 sees none
    assert refused(program, member, "review", DAY0 + timedelta(days=29, hours=14))
    assert act(program, member, "review", DAY0 + timedelta(days=30)) == 50


def test_review_window_rolls(program: Program, member: MemberState) -> None:
    days = [0, 5, 10, 15, 20]
    for d in days:
        assert act(program, member, "review", DAY0 + timedelta(days=d)) == 50
    assert refused(program, member, "review", DAY0 + timedelta(days=29))
    assert act(program, member, "review", DAY0 + timedelta(days=30)) == 50  # day 0 left the window
    assert refused(program, member, "review", DAY0 + timedelta(days=34))  # 5,10,15,20,30 are inside
    assert act(program, member, "review", DAY0 + timedelta(days=35)) == 50  # day 5 left


def test_checkin_once_per_calendar_day(program: Program, member: MemberState) -> None:
    late = DAY0.replace(hour=23, minute=59)
    assert act(program, member, "checkin", DAY0.replace(hour=0, minute=0)) == 5
    assert refused(program, member, "checkin", late)
    assert act(program, member, "checkin", late + timedelta(minutes=2)) == 5  # 00:01 the next day
    assert refused(program, member, "checkin", late + timedelta(hours=12))


def test_checkin_every_day_for_a_year_keeps_history_bounded(program: Program, member: MemberState) -> None:
    for d in range(366):
        assert act(program, member, "checkin", DAY0 + timedelta(days=d)) == 5
    assert len(member.activity_dates["checkin"]) <= 1
    assert member.wallet.available == 100 + 5 * 366


def test_profile_completed_once_ever(program: Program, member: MemberState) -> None:
    assert act(program, member, "profile_completed", DAY0) == 200
    assert refused(program, member, "profile_completed", DAY0 + timedelta(days=1))
    assert refused(program, member, "profile_completed", DAY0 + timedelta(days=3650))


def test_social_share_at_most_three_per_seven_days(program: Program, member: MemberState) -> None:
    for h in range(3):
        assert act(program, member, "social_share", DAY0 + timedelta(hours=h)) == 20
    assert refused(program, member, "social_share", DAY0 + timedelta(days=6, hours=14))
    assert act(program, member, "social_share", DAY0 + timedelta(days=7)) == 20
    assert act(program, member, "social_share", DAY0 + timedelta(days=7, hours=1)) == 20
    assert act(program, member, "social_share", DAY0 + timedelta(days=8)) == 20
    assert refused(program, member, "social_share", DAY0 + timedelta(days=8, hours=1))


def test_caps_are_per_activity_and_per_member(program: Program, member: MemberState) -> None:
    other = enrolled(program, "m-2", DAY0)
    assert act(program, member, "checkin", DAY0) == 5
    assert act(program, member, "social_share", DAY0) == 20
    assert act(program, other, "checkin", DAY0) == 5


def test_unknown_activity_is_invalid(program: Program, member: MemberState) -> None:
    with pytest.raises(InvalidRequest) as err:
        act(program, member, "dance", DAY0)
    assert err.value.code == "UNKNOWN_ACTIVITY"
