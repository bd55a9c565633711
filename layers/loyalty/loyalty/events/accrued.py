"""PointsAccrued: every credit of earned points (purchases, activities, receipts, referral, birthday and tier bonuses)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .details import EventDetail, _Part


class AccruedPromotion(_Part):
    promotion_id: str
    points: int = Field(description="what this promotion added to the accrual's points")


class PointsAccrued(EventDetail):
    member_id: str
    transaction_id: str
    points: int
    status: Literal["pending", "available"]
    kind: Literal["purchase", "activity", "referral", "receipt", "birthday", "tier_bonus"]
    available_at: str | None = None
    expires_at: str | None = None
    promotions: list[AccruedPromotion] = Field(default=[])
