"""What the points clock and the tier jobs publish: points released, expired and about to expire, tiers changed."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .details import EventDetail, _Part


class PointsReleased(EventDetail):
    member_id: str
    points: int = Field(description="pending points that became available")


class ExpiredLot(_Part):
    expired_on: str
    points: int


class Balance(_Part):
    available: int
    pending: int


class PointsExpired(EventDetail):
    member_id: str
    points: int
    lots: list[ExpiredLot]
    balance: Balance


class ExpiringDay(_Part):
    date: str
    points: int


class PointsExpiringSoon(EventDetail):
    member_id: str
    points: int
    expiring: list[ExpiringDay]


class TierChanged(EventDetail):
    member_id: str
    from_tier: str = Field(alias="from")
    to: str
    reason: Literal["upgrade", "review"]
    qualifying: int
