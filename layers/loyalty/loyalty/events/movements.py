"""Points spent, given back, transferred and adjusted."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .details import EventDetail


class _RedemptionDetail(EventDetail):
    member_id: str
    redemption_id: str
    reward_id: str
    quantity: int


class PointsRedeemed(_RedemptionDetail):
    points: int
    code: str | None


class RedemptionCancelled(_RedemptionDetail):
    points: int = Field(description="points given back")
    expired_points: int = Field(description="points whose original expiry passed meanwhile")


class PointsTransferred(EventDetail):
    member_id: str
    transfer_id: str
    to_member_id: str
    points: int


class PointsAdjusted(EventDetail):
    member_id: str
    adjustment_id: str
    direction: Literal["credit", "debit"]
    points: int
    reason: str
