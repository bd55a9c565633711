"""The points clock and tier reviews: what changes when time passes. `now` is the scheduled event's time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from ..events import (
    Balance,
    ExpiredLot,
    ExpiringDay,
    PointsExpired,
    PointsExpiringSoon,
    PointsReleased,
    TierChanged,
    notice_id,
)
from . import profile, tiers
from .crediting import credit_lot
from .ledger import LedgerEntry, Lot, Posting, entry_key
from .member import MemberState
from .program import Program


def release(program: Program, member: MemberState, lots: list[Lot], now: datetime) -> Posting:
    """Make pending lots available once their hold has ended by `now`."""
    posting = Posting(members=[member])
    released = 0
    for lot in lots:
        if lot.status != "pending" or lot.available_at is None or lot.available_at > now:
            continue
        points = lot.pending_points
        member.wallet.pending -= points
        lot.status = "available"
        credit_lot(member, lot)
        posting.updated_lots.append(lot)
        released += points
    if released:
        posting.events.append(PointsReleased(member_id=member.member_id, points=released))
    return posting


def expire(program: Program, member: MemberState, now: datetime) -> Posting:
    """Expire every bucket whose date has come: one ledger entry per expiry date, so a re-run finds nothing."""
    posting = Posting(members=[member])
    expired = member.wallet.expire(now.date())
    for day, points in expired.items():
        posting.entries.append(LedgerEntry(member.member_id, entry_key("expiry", day), "expiry", -points, now, day))
        posting.count("expired", points)
    if expired:
        posting.events.append(PointsExpired(
            member_id=member.member_id, points=sum(expired.values()),
            lots=[ExpiredLot(expired_on=d, points=p) for d, p in expired.items()],
            balance=Balance(available=member.wallet.available, pending=member.wallet.pending)))
    return posting


def expiring_soon(program: Program, member: MemberState, now: datetime) -> PointsExpiringSoon | None:
    until = now.date() + timedelta(days=program.expiring_soon_days)
    soon = member.wallet.expiring(now.date(), until)
    if not soon:
        return None
    return PointsExpiringSoon(member_id=member.member_id, points=sum(p for _, p in soon),
                              expiring=[ExpiringDay(date=d, points=p) for d, p in soon],
                              event_id=notice_id(member.member_id, "expiring-soon", now.date()))


def _change_tier(program: Program, member: MemberState, new_tier: str, reason: Literal["upgrade", "review"],
                 now: datetime, posting: Posting) -> None:
    old = member.tier
    member.tier = new_tier
    posting.count(f"tier:{old}", -1)
    posting.count(f"tier:{new_tier}", 1)
    posting.events.append(TierChanged(member_id=member.member_id, from_tier=old, to=new_tier, reason=reason,
                                      qualifying=member.qualifying(program, now.date())))
    profile.entry_bonuses(program, member, old, new_tier, now, posting)  # a tier first reached pays its bonus


def evaluate_upgrade(program: Program, member: MemberState, now: datetime) -> Posting:
    """After an accrual: move up at once (possibly several tiers); the review date restarts.
    An empty posting means nothing changes. A blocked member is not moved up (a tier reached pays its entry bonus):
    its next accrual after an unblock moves it."""
    posting = Posting()
    if not member.may("earn"):
        return posting
    target = tiers.upgraded_tier(program, member.tier, member.qualifying(program, now.date()))
    if target is not None:
        posting.members.append(member)
        _change_tier(program, member, target, "upgrade", now, posting)
        review = tiers.review_date(program, now.date(), target)
        member.review_on = review.isoformat() if review else None
    return posting


def review(program: Program, member: MemberState, now: datetime) -> Posting:
    """At the review date: keep the tier if still earned over the rolling window, else down one tier."""
    if member.review_on is None or member.review_on > now.date().isoformat():
        return Posting()
    posting = Posting(members=[member])
    target = tiers.reviewed_tier(program, member.tier, member.qualifying(program, now.date()))
    if target != member.tier:
        _change_tier(program, member, target, "review", now, posting)
    upcoming = tiers.review_date(program, now.date(), target)
    member.review_on = upcoming.isoformat() if upcoming else None
    return posting
