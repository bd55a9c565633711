"""How many points a purchase or an activity earns. The one place for earning rules."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from math import floor, prod
from typing import Protocol

from .errors import BusinessRuleRefused, ErrorCode, InvalidRequest
from .program import Program, Promotion


@dataclass(frozen=True)
class PurchaseLine:
    sku: str | None
    category: str | None
    amount_minor: int


@dataclass(frozen=True)
class Purchase:
    amount_minor: int
    currency: str
    channel: str | None
    lines: tuple[PurchaseLine, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class PromotionShare:
    promotion_id: str
    points: int
    slice: int | None = None  # the budget slice its points are drawn from; None: it has no budget


@dataclass(frozen=True)
class Earning:
    points: int
    promotions: tuple[PromotionShare, ...] = ()

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        return tuple(p.promotion_id for p in self.promotions)


class Budgets(Protocol):
    """Where a budgeted promotion's points are drawn from (the service knows the counters, the domain does not)."""

    def draw(self, promotion: Promotion, points: int) -> int | None:
        """The budget slice to draw `points` from, or None when no slice is known to cover them."""


Parts = list[tuple[PurchaseLine | None, int]]  # the lines, and the rest of the amount (line None)


def _parts(purchase: Purchase) -> Parts:
    rest = purchase.amount_minor - sum(line.amount_minor for line in purchase.lines)
    parts: Parts = [(line, line.amount_minor) for line in purchase.lines]
    return [(line, amount) for line, amount in [*parts, (None, rest)] if amount > 0]


def _on(promo: Promotion, line: PurchaseLine | None) -> bool:
    """Whether the promotion's effect applies to this part of the amount."""
    if not promo.matches_lines:
        return True
    if line is None:  # the part of the amount not broken down by line
        return False
    return (not promo.categories or line.category in promo.categories) and (
        not promo.skus or line.sku in promo.skus
    )


def _targets(promo: Promotion, purchase: Purchase, parts: Parts, tier: str, segments: frozenset[str],
             first_purchase: bool, uses: Mapping[str, int]) -> bool:
    """Every targeting criterion the promotion gives matches (and the member may still get it)."""
    matching = sum(amount for line, amount in parts if _on(promo, line))
    return (
        promo.starts_at <= purchase.occurred_at < promo.ends_at
        and matching > 0
        and (promo.min_amount_minor is None or matching >= promo.min_amount_minor)
        and (not promo.channels or purchase.channel in promo.channels)
        and (not promo.tiers or tier in promo.tiers)
        and (not promo.segments or not segments.isdisjoint(promo.segments))
        and (not promo.first_purchase or first_purchase)
        and (promo.per_member_limit is None or uses.get(promo.promotion_id, 0) < promo.per_member_limit)
    )


def _evaluate(program: Program, rate: int, parts: Parts, tier: str,
              promos: list[Promotion]) -> tuple[int, list[tuple[Promotion, int]]]:
    """The purchase's points with these promotions, and what each of them adds.

    Each part earns amount x category x the product of the multipliers on it, all times the tier, rounded down
    once. What the multipliers add on a part is split between them in proportion to (multiplier - 1); each
    promotion's share is rounded down, so the base (the points without promotions) takes what the one rounding
    leaves. A bonus adds itself, after the rounding and not multiplied by the tier."""
    scale = Fraction(program.tier(tier).multiplier) / rate
    multipliers = [p for p in promos if p.multiplier is not None]
    total = Fraction(0)
    extra = {p.promotion_id: Fraction(0) for p in multipliers}
    for line, amount in parts:
        base = amount * Fraction(program.earn.categories.get(line.category, 1) if line and line.category else 1)
        on = [(p, Fraction(p.multiplier)) for p in multipliers if p.multiplier is not None and _on(p, line)]
        factor = prod((m for _, m in on), start=Fraction(1))
        total += base * factor
        lift = sum(m - 1 for _, m in on)
        for promo, m in on:
            extra[promo.promotion_id] += base * (factor - 1) * (m - 1) / lift
    shares = [(p, p.bonus_points if p.bonus_points is not None else floor(extra[p.promotion_id] * scale))
              for p in promos]
    return floor(total * scale) + sum(p.bonus_points or 0 for p in promos), shares


def purchase_points(program: Program, purchase: Purchase, tier: str, *, segments: Iterable[str] = (),
                    first_purchase: bool = False, uses: Mapping[str, int] | None = None,
                    budget: Budgets | None = None) -> Earning:
    """Base rate per currency x category x promotion multipliers x tier, rounded down once, plus promotion bonuses.

    The promotions whose targeting matches apply together (`combine`), unless exclusive ones match: then only the
    exclusive one that earns the purchase the most points applies (the first in the program on a tie). A budgeted
    promotion applies only if `budget` finds a slice that covers its points; otherwise the purchase is counted
    again without it. With no `budget`, budgets are not counted (and no slice is drawn on)."""
    rate = program.earn.currencies.get(purchase.currency)
    if rate is None:
        raise InvalidRequest(ErrorCode.UNSUPPORTED_CURRENCY, f"currency {purchase.currency} does not earn points")
    parts = _parts(purchase)
    member_segments = frozenset(segments)
    candidates = [p for p in program.promotions
                  if _targets(p, purchase, parts, tier, member_segments, first_purchase, uses or {})]
    while True:
        exclusive = [p for p in candidates if p.stacking == "exclusive"]
        options = [[p] for p in exclusive] or [candidates]
        points, shares = max((_evaluate(program, rate.minor_per_point, parts, tier, o) for o in options),
                             key=lambda option: option[0])
        granted: list[PromotionShare] = []
        for promo, share in shares:
            if share <= 0:  # it adds nothing here: not listed, and it draws on no budget nor member limit
                continue
            slice_ = None
            if promo.budget_points is not None and budget is not None:
                slice_ = budget.draw(promo, share)
                if slice_ is None:
                    break
            granted.append(PromotionShare(promo.promotion_id, share, slice_))
        else:
            return Earning(points, tuple(granted))
        candidates.remove(promo)  # its budget cannot cover it: the purchase earns as if it were not there


def activity_points(program: Program, activity: str, history: list[str], on: date) -> int:
    """Points of one activity, refused once its cap for the window is reached.

    `history` holds the dates (ISO) of the member's earlier accruals of this activity."""
    rule = program.activities.get(activity)
    if rule is None:
        raise InvalidRequest(ErrorCode.UNKNOWN_ACTIVITY, f"activity {activity} is not in the program")
    if rule.cap is not None:
        window_days = rule.cap.window_days
        horizon = "" if window_days is None else (on - timedelta(days=window_days)).isoformat()
        recent = [d for d in history if d > horizon]
        if len(recent) >= rule.cap.count:
            window = f"{rule.cap.window_days} days" if rule.cap.window_days else "ever"
            raise BusinessRuleRefused(
                ErrorCode.ACTIVITY_CAP_REACHED, f"{activity} earns at most {rule.cap.count} times per {window}"
            )
    return rule.points


def prune_activity_history(program: Program, activity: str, history: list[str], on: date) -> list[str]:
    """Keep only the dates the cap still looks at, so the member item never grows with history."""
    rule = program.activities[activity]
    if rule.cap is None:
        return []
    if rule.cap.window_days is None:
        return history[-rule.cap.count:]
    horizon = (on - timedelta(days=rule.cap.window_days)).isoformat()
    return [d for d in history if d > horizon]


def apportion(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`: each part rounded down, then the points left over one each to the
    largest remainders (the earlier weight on a tie). No part exceeds its weight while total <= sum(weights)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:total - sum(parts)]:
        parts[i] += 1
    return parts


def reversal_points(points: int, amount_minor: int, refunded_minor: int, refund_minor: int, reversed_points: int) -> int:
    """Points a refund claws back: its share of the amount, rounded down; the refund that completes the amount
    takes back exactly the rest."""
    if refunded_minor + refund_minor >= amount_minor:
        return points - reversed_points
    return min(points - reversed_points, points * refund_minor // amount_minor)


def promotions_reversed(take: int, base_left: int, promotions_left: list[int]) -> list[int]:
    """What a reversal taking `take` points takes back from each promotion's points still held: the same
    proportion as from the rest of the accrual (`apportion` over the base and the promotions)."""
    return apportion(take, [base_left, *promotions_left])[1:]
