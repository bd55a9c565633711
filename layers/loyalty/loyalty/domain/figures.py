"""Program figures: the names the operations count under (`Posting.count`), and the analytics report built from the
daily figures that the stream consumer keeps (service.analytics). No AWS here."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .. import answers
from .errors import ErrorCode, InvalidRequest

if TYPE_CHECKING:  # annotations only: the stream and schedule triggers import WriteFigures without the domain
    from .ledger import Posting
    from .member import MemberState
    from .program import Program

# the flows kept per UTC day and in all-time totals, each a sum of what postings counted under its name
FLOWS = ("issued", "reversed", "redeemed", "expired", "credited", "debited", "imported", "members", "active")
TIER = "tier:"  # tier:<name>: +1 entering a tier, -1 leaving it (a distribution, not a daily flow)
REWARD = "reward:"  # reward:<id>:redemptions and reward:<id>:points, per day (cancellations subtract)
TOP_REWARDS = 10
DEFAULT_DAYS = 30  # a report without a range: the 30 days to today
MAX_DAYS = 366


class WriteFigures(BaseModel):
    """What one member write adds to the figures: it rides on the write's first member item (its `figures`) to
    the analytics consumer of the stream, which counts each member item version once."""

    day: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")  # Posting.day; None: the stream record's day
    counts: dict[str, int]

    @classmethod
    def of(cls, posting: Posting) -> WriteFigures | None:
        return cls(day=posting.day, counts=posting.stats) if posting.stats else None


def net(flows: Mapping[str, int]) -> int:
    """What the flows did to the outstanding points (available + pending of all members): every change of a
    balance is one of them, except transfers and releases of pending points, which change no total."""
    gained = flows.get("issued", 0) + flows.get("credited", 0) + flows.get("imported", 0)
    lost = sum(flows.get(n, 0) for n in ("reversed", "redeemed", "expired", "debited"))
    return gained - lost


def count_active(posting: Posting, member: MemberState, day: date) -> None:
    """A member is active on a day it earns, redeems or transfers points: counted once per member and day (its
    state remembers the last such day, and the member item's version makes the count exact)."""
    if member.active_on != day.isoformat():
        member.active_on = day.isoformat()
        posting.count("active", 1)


def count_redemption(posting: Posting, reward_id: str, quantity: int, points: int) -> None:
    """A redemption (positive) or its cancellation (negative), for the top rewards."""
    posting.count(f"{REWARD}{reward_id}:redemptions", quantity)
    posting.count(f"{REWARD}{reward_id}:points", points)


def split(counts: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int], dict[str, tuple[int, int]]]:
    """A posting's counts as (flows, tier moves, reward redemptions and points); unknown names are dropped."""
    flows = {n: v for n, v in counts.items() if n in FLOWS}
    tiers = {n[len(TIER):]: v for n, v in counts.items() if n.startswith(TIER)}
    rewards: dict[str, tuple[int, int]] = {}
    for name, value in counts.items():
        if name.startswith(REWARD):
            reward_id, _, what = name[len(REWARD):].rpartition(":")
            units, points = rewards.get(reward_id, (0, 0))
            rewards[reward_id] = (units + value, points) if what == "redemptions" else (units, points + value)
    return flows, tiers, rewards


@dataclass(frozen=True)
class Figures:
    """What the report reads: the flows of every day from the range's first on (later days too: outstanding at a
    day's end is the all-time total less what came after), the all-time flows, members per tier, and the range's
    reward redemptions."""

    days: Mapping[str, Mapping[str, int]]
    totals: Mapping[str, int]
    tiers: Mapping[str, int]
    rewards: Mapping[str, tuple[int, int]]


def window(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The days a report covers: `first` to `last` included, by default the 30 days to today."""
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, "from: must not be after to")
    if (last - first).days >= MAX_DAYS:
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, f"from, to: at most {MAX_DAYS} days at a time")
    return first, last


def report(program: Program, first: date, last: date, figures: Figures) -> answers.Analytics:
    outstanding = net(figures.totals) - sum(net(f) for d, f in figures.days.items() if d > last.isoformat())
    days: list[answers.AnalyticsDay] = []
    day = last
    while day >= first:  # backwards: each day's end is the next day's end less the next day's change
        flows = figures.days.get(day.isoformat(), {})
        days.append(answers.AnalyticsDay(date=day.isoformat(), outstanding=outstanding, **_day(flows)))
        outstanding -= net(flows)
        day -= timedelta(days=1)
    days.reverse()
    totals = answers.DayFigures(outstanding=days[-1].outstanding, **{
        name: sum(getattr(d, name) for d in days) for name in _day({})})
    top = sorted(figures.rewards.items(), key=lambda r: (-r[1][0], -r[1][1], r[0]))[:TOP_REWARDS]
    return answers.Analytics(
        days=days, totals=totals,
        breakage_rate=_rate(totals.expired, totals.expired + totals.redeemed),
        redemption_rate=_rate(totals.redeemed, totals.issued),
        liability=answers.Money(amount_minor=totals.outstanding * program.point_value_minor,
                                currency=program.point_value_currency),
        tiers={t.name: figures.tiers.get(t.name, 0) for t in program.tiers},
        top_rewards=[answers.TopReward(reward_id=r, redemptions=u, points=p) for r, (u, p) in top if u or p])


def _day(flows: Mapping[str, int]) -> dict[str, int]:
    return {"issued": flows.get("issued", 0), "redeemed": flows.get("redeemed", 0),
            "expired": flows.get("expired", 0), "reversed": flows.get("reversed", 0),
            "adjusted": flows.get("credited", 0) - flows.get("debited", 0),
            "active_members": flows.get("active", 0), "new_members": flows.get("members", 0)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
