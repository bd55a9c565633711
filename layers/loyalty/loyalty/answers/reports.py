"""The admin's stats and analytics."""
from __future__ import annotations

from pydantic import Field

from .base import Answer


class PointFlows(Answer):
    issued: int
    reversed: int
    redeemed: int
    expired: int
    debited: int
    outstanding: int = Field(description="available + pending of all members: the liability in points")


class Stats(Answer):
    points: PointFlows
    members: int
    tiers: dict[str, int]


class DayFigures(Answer):
    """A range's figures (`totals`) or one UTC day's."""

    issued: int = Field(description="credited by accruals, receipts, welcome, referral and bonuses (pending included)")
    redeemed: int = Field(description="spent on rewards, less cancellations")
    expired: int
    reversed: int
    adjusted: int = Field(description="net manual adjustments (bulk credits included)")
    outstanding: int = Field(description="available + pending of all members at the end of the day (now, for today);"
                                         " in totals, at the end of the range")
    active_members: int = Field(description="members who earned, redeemed or transferred points that day; in totals,"
                                            " the sum over the days")
    new_members: int = Field(description="members enrolled or imported")


class AnalyticsDay(DayFigures):
    date: str


class Money(Answer):
    amount_minor: int
    currency: str


class TopReward(Answer):
    reward_id: str
    redemptions: int = Field(description="units redeemed in the range, less cancellations")
    points: int


class Analytics(Answer):
    days: list[AnalyticsDay]
    totals: DayFigures
    breakage_rate: float | None = Field(description="expired / (expired + redeemed) over the range; null when both"
                                                    " are 0")
    redemption_rate: float | None = Field(description="redeemed / issued over the range; null when nothing was issued")
    liability: Money = Field(description="outstanding points at the end of the range times the program's point value")
    tiers: dict[str, int] = Field(description="members per tier, now")
    top_rewards: list[TopReward] = Field(description="the 10 rewards most redeemed in the range")
