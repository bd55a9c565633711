"""A member as every member answer shows it."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Answer


class Balance(Answer):
    available: int = Field(description="spendable now; negative only while a debt from a reversal remains")
    pending: int = Field(description="on hold until the purchase's return window ends")
    lifetime: int
    qualifying: int = Field(description="qualifying points over the rolling tier window")


class NextTier(Answer):
    name: str
    qualifying_needed: int


class ExpiringPoints(Answer):
    date: str = Field(description="the day these points expire (YYYY-MM-DD)")
    points: int


class ChallengeStatus(Answer):
    challenge_id: str
    progress: int = Field(description="towards the goal within the current window (purchases, minor units spent, "
                                      "categories, streak days or activities)")
    target: int
    completed_at: str | None = Field(description="when the current window's bonus was granted; null until then")


class MemberView(Answer):
    member_id: str
    tier: str
    referral_code: str | None = Field(description="what a referee enrolls with; null once the member is erased")
    balance: Balance
    next_tier: NextTier | None
    expiring: list[ExpiringPoints]
    # the profile and the tier's benefits (Step 5 members); defaults only so that answers stored before them replay
    segments: list[str] = Field([], description="segments the member belongs to (set by a service or an admin)")
    birthday: str | None = Field(None, description="MM-DD; the points clock credits the birthday bonus on that day")
    tier_benefits: list[str] = Field([], description="what the member's current tier gives")
    challenges: list[ChallengeStatus] = Field([], description="the live challenges the member takes part in")
    status: Literal["active", "blocked"] = Field("active", description=(
        "a blocked member cannot earn, redeem, transfer or receive a transfer (409 MEMBER_BLOCKED); reads work"))
