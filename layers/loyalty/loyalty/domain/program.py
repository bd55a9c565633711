"""The program document: earning rates, tiers, activities, promotions, rewards. Operators edit it in SSM;
every rule reads it as data, so a new promotion needs no new code."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CurrencyRate(_Doc):
    minor_per_point: int = Field(gt=0)


class EarnRules(_Doc):
    currencies: dict[str, CurrencyRate]
    categories: dict[str, Decimal] = {}


class Tier(_Doc):
    name: str
    qualifying_points: int = Field(ge=0)
    multiplier: Decimal


class ActivityCap(_Doc):
    count: int = Field(gt=0)
    window_days: int | None = None  # calendar days including today; None = ever


class Activity(_Doc):
    points: int = Field(gt=0)
    cap: ActivityCap | None = None


class Promotion(_Doc):
    """A time-boxed multiplier and/or bonus. Empty filters match everything."""

    promotion_id: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal = Decimal(1)
    bonus_points: int = 0
    categories: list[str] = []
    skus: list[str] = []
    channels: list[str] = []
    tiers: list[str] = []


class Challenge(_Doc):
    """A goal ("3 purchases in the window") that grants a bonus once per member."""

    challenge_id: str
    starts_at: datetime
    ends_at: datetime
    purchases: int = Field(gt=0)
    bonus_points: int = Field(gt=0)


RewardType = Literal["gift", "discount", "donation", "miles", "cashback", "experience", "coupon", "partner"]


class Reward(_Doc):
    reward_id: str
    type: RewardType
    name: str
    points: int = Field(gt=0)
    min_tier: str | None = None
    stock: int | None = None  # total units ever available; None = unlimited
    value_minor: int | None = None
    currency: str | None = None
    miles: int | None = None

    @property
    def needs_code(self) -> bool:
        """Every reward a checkout or a partner must honour carries a voucher code; a donation does not."""
        return self.type != "donation"


class ProgramRules(_Doc):
    """Everything but the catalog: what GET /v1/program publishes."""

    program_id: str
    version: str
    earn: EarnRules
    tiers: list[Tier]
    activities: dict[str, Activity]
    welcome_points: int
    referral_points: int
    pending_days: int
    expiry_days: int
    qualifying_window_days: int
    tier_review_days: int
    expiring_soon_days: int = 30
    promotions: list[Promotion] = []
    challenges: list[Challenge] = []


class Program(ProgramRules):
    rewards: list[Reward]

    def tier(self, name: str) -> Tier:
        return next(t for t in self.tiers if t.name == name)

    def tier_index(self, name: str) -> int:
        return [t.name for t in self.tiers].index(name)

    def reward(self, reward_id: str) -> Reward | None:
        return next((r for r in self.rewards if r.reward_id == reward_id), None)
