"""An independent, deliberately naive model of a member: a list of lots spent soonest-expiring first.

It shares no code with the product, so the simulation checks the product against a second reading of
DESIGN.md rather than against itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

TIERS = [("Member", 0, 100), ("Silver", 2000, 125), ("Gold", 5000, 150), ("Platinum", 15000, 200)]
ENTRY_BONUS = [0, 200, 500, 1500]  # once ever per tier first reached, available at once, not qualifying


@dataclass
class ModelLot:
    points: int
    earned: datetime
    expires: date
    pending_until: datetime | None
    seq: int
    left: int = 0

    def __post_init__(self) -> None:
        self.left = self.points


@dataclass
class ModelMember:
    lots: list[ModelLot] = field(default_factory=list)
    qualifying: list[tuple[date, int]] = field(default_factory=list)
    tier: int = 0
    review: date | None = None
    seq: int = 0
    reached: set[int] = field(default_factory=set)

    def earn(self, points: int, at: datetime, pending: bool, qualifying: bool) -> None:
        self.seq += 1
        until = at + timedelta(days=14) if pending else None
        self.lots.append(ModelLot(points, at, at.date() + timedelta(days=365), until, self.seq))
        if qualifying:
            self.qualifying.append((at.date(), points))

    def available(self) -> int:
        return sum(lot.left for lot in self.lots if lot.pending_until is None)

    def pending(self) -> int:
        return sum(lot.left for lot in self.lots if lot.pending_until is not None)

    def spendable(self, today: date) -> int:
        return sum(lot.left for lot in self.lots if lot.pending_until is None and lot.expires > today)

    def spend(self, points: int, today: date) -> None:
        live = sorted((lot for lot in self.lots if lot.pending_until is None and lot.expires > today and lot.left),
                      key=lambda lot: (lot.expires, lot.seq))
        for lot in live:
            take = min(points, lot.left)
            lot.left -= take
            points -= take
        assert points == 0

    def clock(self, now: datetime) -> None:
        for lot in self.lots:
            if lot.pending_until is not None and lot.pending_until <= now:
                lot.pending_until = None
        for lot in self.lots:
            if lot.pending_until is None and lot.expires <= now.date():
                lot.left = 0

    def qualifying_points(self, today: date) -> int:
        return sum(p for d, p in self.qualifying if d > today - timedelta(days=365))

    def earned_tier(self, today: date) -> int:
        q = self.qualifying_points(today)
        return max(i for i, (_, threshold, _) in enumerate(TIERS) if threshold <= q)

    def move_to(self, tier: int, at: datetime) -> None:
        for reached in range(self.tier + 1, tier + 1):
            if reached not in self.reached:
                self.reached.add(reached)
                if ENTRY_BONUS[reached]:
                    self.earn(ENTRY_BONUS[reached], at, pending=False, qualifying=False)
        self.tier = tier

    def after_accrual(self, at: datetime) -> None:
        earned = self.earned_tier(at.date())
        if earned > self.tier:
            self.move_to(earned, at)
            self.review = at.date() + timedelta(days=365)

    def daily_review(self, at: datetime) -> None:
        today = at.date()
        if self.review is None or self.review > today:
            return
        earned = self.earned_tier(today)
        self.move_to(earned if earned >= self.tier else self.tier - 1, at)
        self.review = today + timedelta(days=365) if self.tier else None

    def multiplier(self) -> int:
        return TIERS[self.tier][2]

    def tier_name(self) -> str:
        return TIERS[self.tier][0]
