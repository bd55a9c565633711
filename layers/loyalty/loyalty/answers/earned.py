"""What an accrual answers, and what a simulation of one would."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Answer
from .views import MemberView


class PromotionPoints(Answer):
    promotion_id: str
    points: int = Field(description="what this promotion added to the accrual's points")


class Accrual(Answer):
    transaction_id: str
    points: int = Field(description="everything earned: the base and every promotion's points")
    status: Literal["pending", "available"]
    available_at: str
    expires_at: str
    promotions: list[PromotionPoints] = Field(default=[], description=(
        "what each promotion added; the base (points minus these) takes the rounding down"))


class AccrualAnswer(Answer):
    accrual: Accrual
    member: MemberView


class AccrualSimulation(Answer):
    """What an accrual would earn (POST /v1/admin/simulations/accrual); nothing is written."""

    accrual: Accrual
