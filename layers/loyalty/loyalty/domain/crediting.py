"""Crediting a lot: the one place a lot's points go into its member's expiry-date buckets. Apart from the accrual
rules, so that the points clock, enrolment, profiles, transfers and imports credit lots without loading them."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .ledger import Lot
from .member import MemberState
from .program import Program
from .timeutil import expiry_date


def credit_lot(member: MemberState, lot: Lot) -> None:
    """Put what is left of a lot into its expiry-date bucket and remember where it starts there."""
    points = lot.points - lot.reversed_points
    lot.segments = {}
    credit_days(member, lot, {lot.expires_on: points} if points else {})


def credit_days(member: MemberState, lot: Lot, points_by_day: Mapping[str, int]) -> None:
    """Put a lot spread over several expiry dates (a transfer's, an import's) into their buckets, soonest first,
    and remember where it starts in each."""
    for day, points in sorted(points_by_day.items()):
        lot.segments[day] = [points, member.wallet.credit(day, points)]


def bonus_lot(program: Program, member: MemberState, lot_id: str, source: str, points: int, now: datetime,
              qualifying: bool) -> Lot:
    lot = Lot(member.member_id, lot_id, source, points, now, expiry_date(now, program.expiry_days), "available",
              qualifying=qualifying)
    credit_lot(member, lot)
    member.lifetime += points
    if qualifying:
        member.add_qualifying(program, now.date(), points, now.date())
    return lot
