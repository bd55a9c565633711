"""Lot consumption: the one place that decides which points a spend, an expiry or a debt takes.

Lots are grouped by expiry date into buckets held on the member item. A bucket keeps two cumulative
counters: `credited` (points ever put in) and `consumed` (points ever taken out, soonest-expiring date first,
first-in first-out inside a date). A lot records where it starts in its bucket (`start`), so its remaining
points are derived from the counters: spending never rewrites a lot, and the member item holds at most one
bucket per live expiry date (bounded by the expiry window, not by the member's history)."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from .errors import insufficient_points

Draws = dict[str, int]  # expiry date (ISO) -> points


class Bucket(BaseModel):
    credited: int = 0
    consumed: int = 0

    @property
    def remaining(self) -> int:
        return self.credited - self.consumed


class Wallet(BaseModel):
    buckets: dict[str, Bucket] = {}
    debt: int = 0  # points reversed after they were spent; later credits repay it first
    pending: int = 0  # points on hold; they live on their lots until the points clock releases them

    @property
    def available(self) -> int:
        return sum(b.remaining for b in self.buckets.values()) - self.debt

    def spendable(self, today: date) -> int:
        """Points that can be spent today: an expired point never can, even before the clock removes it."""
        live = sum(b.remaining for d, b in self.buckets.items() if d > today.isoformat())
        return live - self.debt

    def credit(self, expires_on: str, points: int) -> int:
        """Add points expiring on a date; returns the lot's start position in its bucket. Debt is repaid first."""
        bucket = self.buckets.setdefault(expires_on, Bucket())
        start = bucket.credited
        bucket.credited += points
        self._repay_debt(bucket)
        return start

    def consume(self, points: int, today: date, allow_debt: bool = False) -> Draws:
        """Take points soonest-expiring first. With allow_debt (a reversal), a shortfall becomes debt."""
        if not allow_debt and self.spendable(today) < points:
            raise insufficient_points(points, max(0, self.spendable(today)))
        draws: Draws = {}
        need = points
        for day in sorted(d for d in self.buckets if d > today.isoformat()):
            if need == 0:
                break
            bucket = self.buckets[day]
            take = min(need, bucket.remaining)
            if take > 0:
                bucket.consumed += take
                draws[day] = take
                need -= take
        self.debt += need
        self._forget_spent(today)
        return draws

    def give_back(self, draws: Draws, today: date) -> tuple[int, int]:
        """Return drawn points to their original expiry dates; points whose date has passed are forfeited.
        Returns (returned, forfeited)."""
        returned = forfeited = 0
        for day, points in draws.items():
            bucket = self.buckets.get(day)
            if bucket is None or day <= today.isoformat():
                forfeited += points
                continue
            back = min(points, bucket.consumed)
            bucket.consumed -= back
            returned += back
            forfeited += points - back
            self._repay_debt(bucket)
        return returned, forfeited

    def expire(self, today: date) -> Draws:
        """Remove every bucket whose expiry date has come; returns the points each one still held."""
        expired: Draws = {}
        for day in sorted(d for d in self.buckets if d <= today.isoformat()):
            remaining = self.buckets.pop(day).remaining
            if remaining:
                expired[day] = remaining
        return expired

    def expiring(self, today: date, until: date) -> list[tuple[str, int]]:
        return sorted(
            (d, b.remaining) for d, b in self.buckets.items() if today.isoformat() < d <= until.isoformat() and b.remaining
        )

    def next_expiry(self) -> str | None:
        days = [d for d, b in self.buckets.items() if b.remaining > 0]
        return min(days) if days else None

    def _forget_spent(self, today: date) -> None:
        """Drop buckets whose date has passed with nothing left, so the item never grows with history."""
        for day in [d for d, b in self.buckets.items() if d <= today.isoformat() and b.remaining == 0]:
            del self.buckets[day]

    def _repay_debt(self, bucket: Bucket) -> None:
        take = min(self.debt, bucket.remaining)
        bucket.consumed += take
        self.debt -= take


def lot_remaining(points: int, start: int, bucket: Bucket | None) -> int:
    """Remaining points of an available lot segment, derived from its bucket's cumulative counters."""
    if bucket is None:  # the bucket is gone only once its date has expired
        return 0
    used = min(max(bucket.consumed - start, 0), points)
    return points - used
