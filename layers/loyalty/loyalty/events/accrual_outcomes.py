"""What an accrual or a refund brings besides its points: a reversal, a qualified referral, a completed challenge."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .details import EventDetail, _Part


class PointsReversed(EventDetail):
    member_id: str
    reversal_id: str
    transaction_id: str
    points: int = Field(description="points clawed back")
    refunded_minor: int = Field(description="amount refunded so far, minor units")


class ReferralQualified(EventDetail):
    member_id: str = Field(description="the referrer, who earns the referral bonus")
    referee_id: str
    transaction_id: str = Field(description="the referee's first purchase")
    qualified_at: str = Field(description="when that purchase was accrued; the bonus is dated then")


class CompletedWindow(_Part):
    kind: Literal["calendar_month", "days", "challenge"]
    starts_at: str = Field(description="the window's first instant (UTC midnight)")
    ends_at: str = Field(description="the instant after the window (exclusive)")


class ChallengeCompleted(EventDetail):
    member_id: str
    challenge_id: str
    window: CompletedWindow = Field(description="the window whose goal was reached: its bonus is granted once")
    bonus_points: int = Field(description="credited at once, available, not qualifying")
    completed_at: str
