"""How many points a purchase or an activity earns. The one place for earning rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

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
class Earning:
    points: int
    promotions: tuple[str, ...] = ()


def _active(promo: Promotion, purchase: Purchase, tier: str) -> bool:
    return (
        promo.starts_at <= purchase.occurred_at < promo.ends_at
        and (not promo.channels or purchase.channel in promo.channels)
        and (not promo.tiers or tier in promo.tiers)
    )


def _matches_line(promo: Promotion, line: PurchaseLine | None) -> bool:
    if not promo.categories and not promo.skus:
        return True
    if line is None:  # the part of the amount not broken down by line
        return False
    return (not promo.categories or line.category in promo.categories) and (
        not promo.skus or line.sku in promo.skus
    )


def purchase_points(program: Program, purchase: Purchase, tier: str) -> Earning:
    """Base rate per currency x category x promotions x tier, rounded down once, plus promotion bonuses."""
    rate = program.earn.currencies.get(purchase.currency)
    if rate is None:
        raise InvalidRequest(ErrorCode.UNSUPPORTED_CURRENCY, f"currency {purchase.currency} does not earn points")
    promos = [p for p in program.promotions if _active(p, purchase, tier)]
    lined = sum(line.amount_minor for line in purchase.lines)
    parts: list[tuple[PurchaseLine | None, int]] = [(line, line.amount_minor) for line in purchase.lines]
    parts.append((None, purchase.amount_minor - lined))
    weighted = Decimal(0)
    used: set[str] = set()
    for line, amount in parts:
        factor = Decimal(1)
        if line is not None and line.category:
            factor *= program.earn.categories.get(line.category, Decimal(1))
        for promo in promos:
            if _matches_line(promo, line) and amount > 0:
                factor *= promo.multiplier
                used.add(promo.promotion_id)
        weighted += amount * factor
    raw = weighted * program.tier(tier).multiplier / rate.minor_per_point
    points = int(raw.to_integral_value(rounding=ROUND_FLOOR))
    bonus = sum(p.bonus_points for p in promos if p.promotion_id in used)
    return Earning(points + bonus, tuple(sorted(used)))


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


def reversal_points(points: int, amount_minor: int, refunded_minor: int, refund_minor: int, reversed_points: int) -> int:
    """Points a refund claws back: its share of the amount, rounded down; the refund that completes the amount
    takes back exactly the rest."""
    if refunded_minor + refund_minor >= amount_minor:
        return points - reversed_points
    return min(points - reversed_points, points * refund_minor // amount_minor)
