"""The points clock and tier jobs. They read only what is due (sparse indexes), stop before the time limit,
and a re-run for the same time changes nothing, so an interrupted run is simply run again."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from ..domain import clock, profile
from ..domain.ledger import Lot, Posting
from ..domain.member import MemberState
from ..domain.timeutil import iso
from ..events import PointsClockContinued
from ..platform import bus
from ..platform.program_source import current_program
from ..storage import repository
from ..storage.conflicts import KeyAlreadyUsed
from .common import member_or_404
from .execution import write_unkeyed

LOTS_PER_WRITE = 90  # a DynamoDB transaction holds at most 100 items
TimeLeft = Callable[[], int]  # milliseconds


@dataclass
class RunReport:
    released_points: int = 0
    expired_points: int = 0
    members: int = 0
    complete: bool = True
    events: list[str] = field(default_factory=list)
    birthday_points: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"released_points": self.released_points, "expired_points": self.expired_points,
                "members": self.members, "complete": self.complete, "birthday_points": self.birthday_points}


def _on_member(member_id: str, change: Callable[[MemberState], Posting], attempt: int) -> Posting:
    """A due member's change, on a consistent read of it each attempt (the due-date and birthday indexes hold keys
    only, and may lag); a member gone meanwhile changes nothing."""
    member = repository.get_member(member_id)
    return Posting() if member is None else change(member)


def _release_member(member_id: str, lots: list[Lot], now: datetime) -> int:
    def build(attempt: int) -> Posting:
        current = lots if attempt == 0 else [lot for lot in (repository.get_lot(member_id, x.lot_id) for x in lots)
                                             if lot is not None]
        return clock.release(current_program(), member_or_404(member_id), current, now)

    posting = write_unkeyed(build)
    return sum(lot.points - lot.reversed_points for lot in posting.updated_lots)


def release_due(now: datetime, time_left: TimeLeft, report: RunReport, margin_ms: int) -> None:
    by_member: dict[str, list[Lot]] = defaultdict(list)
    for lot in repository.due_lots(now.date()):
        if lot.available_at is not None and lot.available_at <= now:
            by_member[lot.member_id].append(lot)
    for member_id, lots in by_member.items():
        for i in range(0, len(lots), LOTS_PER_WRITE):
            if time_left() < margin_ms:
                report.complete = False
                return
            report.released_points += _release_member(member_id, lots[i:i + LOTS_PER_WRITE], now)


def expire_due(now: datetime, time_left: TimeLeft, report: RunReport, margin_ms: int) -> None:
    program = current_program()
    for member_id in repository.due_member_ids("expiry", now.date()):
        if time_left() < margin_ms:
            report.complete = False
            return
        posting = write_unkeyed(partial(_on_member, member_id, lambda m: clock.expire(program, m, now)))
        report.expired_points += -sum(e.points for e in posting.entries)
        report.members += 1


def credit_birthdays(now: datetime, time_left: TimeLeft, report: RunReport, margin_ms: int) -> None:
    """The birthday bonus of every member whose birthday is the day of `now` (read from the sparse birthday index,
    each member then read consistently); a member already credited this year is skipped, so a re-run (or a
    continuation) of the day credits nobody twice."""
    if current_program().birthday_points <= 0:
        return
    for member_id in repository.member_ids_with_birthday(profile.birthdays_on(now.date())):
        if time_left() < margin_ms:
            report.complete = False
            return
        try:
            posting = write_unkeyed(partial(_on_member, member_id,
                                            lambda m: profile.birthday_bonus(current_program(), m, now)))
        except KeyAlreadyUsed:  # this year's entry exists already: credited, nothing to do
            continue
        report.birthday_points += sum(e.points for e in posting.entries)


def run_points_clock(now: datetime, time_left: TimeLeft, margin_ms: int = 20_000) -> RunReport:
    """Release pending lots whose hold has ended, expire every lot whose date has come, then credit the day's
    birthday bonuses, as of `now`."""
    report = RunReport()
    release_due(now, time_left, report, margin_ms)
    if report.complete:
        expire_due(now, time_left, report, margin_ms)
    if report.complete:
        credit_birthdays(now, time_left, report, margin_ms)
    return report


def announce_expiring(now: datetime) -> int:
    """Publish PointsExpiringSoon for members with points expiring within the program's window."""
    program = current_program()
    until = now.date() + timedelta(days=program.expiring_soon_days)
    members = repository.members_of(repository.due_member_ids("expiry", until))
    events = [e for e in (clock.expiring_soon(program, m, now) for m in members) if e]
    bus.publish(events)
    return len(events)


def continue_later(now: datetime) -> None:
    """Ask for a continuation of an unfinished run as of the same `now` (the bus delivers it to this function)."""
    bus.publish([PointsClockContinued(time=iso(now))])


def evaluate_tier(member_id: str, now: datetime) -> bool:
    """Upgrade at once if the member's qualifying points reach a higher tier; True if the tier changed."""
    def build(attempt: int) -> Posting:
        return clock.evaluate_upgrade(current_program(), member_or_404(member_id), now)

    return not write_unkeyed(build).empty


def review_tiers(now: datetime, time_left: TimeLeft, margin_ms: int = 20_000) -> RunReport:
    report = RunReport()
    program = current_program()
    for member_id in repository.due_member_ids("review", now.date()):
        if time_left() < margin_ms:
            report.complete = False
            break
        write_unkeyed(partial(_on_member, member_id, lambda m: clock.review(program, m, now)))
        report.members += 1
    return report
