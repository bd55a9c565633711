"""The program document: earning rates, tiers, activities, promotions, rewards. Operators edit it in SSM;
every rule reads it as data, so a new promotion needs no new code."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator


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


BUDGET_SLICE_POINTS = 10_000  # a budget gets one slice (counter item) per this many points...
MAX_BUDGET_SLICES = 8  # ...and at most this many, so a popular promotion is never one hot item


class Promotion(_Doc):
    """A time-boxed multiplier or bonus (exactly one of the two), for the purchases its targeting matches.

    Targeting is all optional and every criterion given must match: the lists match when they hold the line's
    category or sku (then the effect applies to the matching lines only), the purchase's channel, the member's
    tier, one of the member's segments; `min_amount_minor` is on the matching amount; `first_purchase` only the
    member's first purchase. How the points are counted is `earning.purchase_points`."""

    promotion_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    name: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="exclusive: a purchase at ends_at no longer gets it")
    categories: list[str] = []
    skus: list[str] = []
    channels: list[str] = []
    tiers: list[str] = []
    segments: list[str] = []
    min_amount_minor: int | None = Field(None, ge=1, description="on the matching amount")
    first_purchase: bool = False
    multiplier: Decimal | None = Field(None, description="a decimal string greater than 1, on the matching amount")
    bonus_points: int | None = Field(None, ge=1, le=10**9, validate_default=True,
                                     description="once per qualifying purchase, not multiplied by the tier")
    per_member_limit: int | None = Field(None, ge=1, description="times one member may get it")
    budget_points: int | None = Field(None, ge=1, description="the most points it may give in all")
    stacking: Literal["combine", "exclusive"] = "combine"

    @field_validator("multiplier", mode="before")
    @classmethod
    def _multiplier_is_a_decimal_string(cls, value: object) -> object:
        if value is not None and not isinstance(value, str | Decimal):
            raise ValueError('must be a decimal string, such as "1.5"')
        return value

    @field_validator("multiplier")
    @classmethod
    def _multiplier_adds(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not 1 < value <= 100:
            raise ValueError("must be greater than 1 and at most 100")
        return value

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value <= starts_at:
            raise ValueError("must be after starts_at")
        return value

    @field_validator("bonus_points")
    @classmethod
    def _one_effect(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "multiplier" in info.data and (info.data["multiplier"] is None) == (value is None):
            raise ValueError("give exactly one effect: multiplier or bonus_points")
        return value

    @property
    def matches_lines(self) -> bool:
        """Targeted at some lines (categories or skus): the effect applies to those lines only."""
        return bool(self.categories or self.skus)

    def budget_shares(self) -> list[int]:
        """The budget split into slices, each its own counter: one per BUDGET_SLICE_POINTS, at most
        MAX_BUDGET_SLICES; a bonus promotion's slices are whole bonuses, so no slice keeps a part of one."""
        if self.budget_points is None:
            return []
        unit = self.bonus_points or 1
        units = self.budget_points // unit
        if units == 0:
            return []
        slices = min(MAX_BUDGET_SLICES, max(1, self.budget_points // BUDGET_SLICE_POINTS), units)
        return [unit * (units // slices + (1 if k < units % slices else 0)) for k in range(slices)]


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
