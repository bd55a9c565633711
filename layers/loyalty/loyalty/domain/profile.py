"""The member's profile (birthday, segments) and the bonuses it and the tiers give: the birthday bonus, once a
year, and each tier's entry bonus, once ever."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from ..events import PointsAccrued
from .crediting import bonus_lot
from .errors import ErrorCode, Forbidden
from .ledger import LedgerEntry, Posting, entry_key
from .member import MemberState
from .program import Program
from .timeutil import day_start

LEAP_DAY = "02-29"


def valid_birthday(text: str) -> bool:
    """MM-DD of a real calendar day; 02-29 is one (checked against a leap year)."""
    if len(text) != 5 or text[2] != "-" or not all(c in "0123456789" for c in text[:2] + text[3:]):
        return False
    try:
        date(2000, int(text[:2]), int(text[3:]))
    except ValueError:
        return False
    return True


def birthdays_on(day: date) -> list[str]:
    """The birthdays celebrated on `day`: its own MM-DD, and in a year without 29 February, 02-29 on 02-28 (the
    bonus stays in the birthday's month)."""
    today = day.strftime("%m-%d")
    if today == "02-28" and not calendar.isleap(day.year):
        return [today, LEAP_DAY]
    return [today]


@dataclass(frozen=True)
class ProfileChange:
    """What a PATCH asks for; None leaves a field as it is (`clear_birthday` removes it)."""

    birthday: str | None = None
    clear_birthday: bool = False
    segments: tuple[str, ...] | None = None


def update_profile(program: Program, member: MemberState, change: ProfileChange, by_member: bool,
                   now: datetime) -> Posting:
    """Set the birthday and/or the segments. A member may set its own birthday once (the same value again is a
    no-op); a service or an admin may change or clear it at any time. Changing the birthday never credits a
    second bonus in a year (the bonus is keyed by the year). An empty posting means nothing changed."""
    posting = Posting()
    if change.birthday is not None or change.clear_birthday:
        wanted = None if change.clear_birthday else change.birthday
        if wanted != member.birthday:
            member.ensure_may("profile")
            if by_member and member.birthday is not None:
                raise Forbidden(ErrorCode.FORBIDDEN, "a member may set its birthday once; support can change it")
            member.birthday = wanted
            posting.members = [member]
    if change.segments is not None and list(change.segments) != member.segments:
        member.ensure_may("profile")
        member.segments = list(change.segments)
        posting.members = [member]
    posting.response = member.view(program, now.date())
    return posting


def birthday_bonus(program: Program, member: MemberState, now: datetime) -> Posting:
    """On the member's birthday, `program.birthday_points`, available at once, not qualifying, once a year: the
    ledger entry is keyed `birthday#<year>` and the member remembers the year, so a re-run of the day finds
    nothing to do. An empty posting means nothing is due."""
    points = program.birthday_points
    if (points <= 0 or not member.may("earn") or member.birthday not in birthdays_on(now.date())
            or member.birthday_credited_year == now.year):
        return Posting()
    member.birthday_credited_year = now.year
    posting = Posting(members=[member])
    _credit_gift(program, member, posting, entry_key("birthday", str(now.year)), "birthday", points, now, {})
    return posting


def entry_bonuses(program: Program, member: MemberState, old: str, new: str, now: datetime,
                  posting: Posting) -> None:
    """Each tier above `old` up to `new` that the member reaches for the first time pays its `entry_bonus` (a
    member that skips a tier gets that tier's bonus too), keyed `tier_bonus#<tier>`: once ever per member and
    tier, so down and up again pays nothing. The bonus is not qualifying: it never lifts a member further."""
    for tier in program.tiers[program.tier_index(old) + 1:program.tier_index(new) + 1]:
        if tier.name in member.tiers_reached:
            continue
        member.tiers_reached.append(tier.name)
        if tier.entry_bonus <= 0:
            continue
        _credit_gift(program, member, posting, entry_key("tier_bonus", tier.name), "tier_bonus", tier.entry_bonus,
                     now, {"tier": tier.name})


def _credit_gift(program: Program, member: MemberState, posting: Posting, key: str,
                 kind: Literal["birthday", "tier_bonus"], points: int, now: datetime, detail: dict[str, str]) -> None:
    """A gift of points (birthday, tier entry): a lot available at once and not qualifying, its history entry
    (referenced by its own key) and its PointsAccrued, added to `posting`."""
    lot = bonus_lot(program, member, key, kind, points, now, qualifying=False)
    posting.new_lots.append(lot)
    posting.entries.append(LedgerEntry(member.member_id, key, "accrual", points, now, key,
                                       detail={"kind": kind, **detail}))
    posting.count("issued", points)
    posting.events.append(PointsAccrued(member_id=member.member_id, transaction_id=key, points=points,
                                        status="available", kind=kind, expires_at=day_start(lot.expires_on)))
