"""The program document: earning rates, tiers, activities, promotions, rewards. Operators edit it through the
program administration API (PUT /v1/admin/program, checked by `validate`); every rule reads it as data, so a new
promotion needs no new code."""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import InvalidProgram


class _Doc(BaseModel):
    # built when a function first reads the program, not at import (cold start)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CurrencyRate(_Doc):
    minor_per_point: int = Field(gt=0)


class EarnRules(_Doc):
    currencies: dict[str, CurrencyRate]
    categories: dict[str, Decimal] = {}


class Tier(_Doc):
    name: str
    qualifying_points: int = Field(ge=0)
    multiplier: Decimal
    # what the tier gives (shown in GET /v1/program and, for the member's tier, in the member view)
    benefits: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field([], max_length=20)
    entry_bonus: int = Field(0, ge=0, le=10**9)  # credited once ever per member, when the tier is first reached


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


class PurchasesGoal(_Doc):
    purchases: int = Field(gt=0, le=10_000, description="purchases (receipts included) in the window")


class SpendGoal(_Doc):
    spend_minor: int = Field(gt=0, le=10**13, description="amount spent in the window, minor units")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="only purchases in this currency count")


class CategoriesGoal(_Doc):
    distinct_categories: int = Field(gt=0, le=100, description="different line categories bought in the window")


class StreakGoal(_Doc):
    checkin_streak: int = Field(gt=0, le=366, description="check-ins on this many consecutive UTC days")


class ActivityGoal(_Doc):
    activity: str = Field(min_length=1, max_length=64)
    count: int = Field(gt=0, le=10_000, description="accruals of this activity in the window")


def _goal_kind(value: Any) -> str | None:
    """The goal's kind is the key it has (a pydantic discriminator, so an error names one kind, not five)."""
    keys = set(value) if isinstance(value, dict) else {k for k in GOAL_KINDS if hasattr(value, k)}
    return next((k for k in GOAL_KINDS if k in keys), None)


GOAL_KINDS = ("purchases", "spend_minor", "distinct_categories", "checkin_streak", "activity")
ChallengeGoal = Annotated[
    Annotated[PurchasesGoal, Tag("purchases")] | Annotated[SpendGoal, Tag("spend_minor")]
    | Annotated[CategoriesGoal, Tag("distinct_categories")] | Annotated[StreakGoal, Tag("checkin_streak")]
    | Annotated[ActivityGoal, Tag("activity")],
    Discriminator(_goal_kind, custom_error_type="invalid_goal", custom_error_message=(
        "goal must be one of {purchases}, {spend_minor, currency}, {distinct_categories}, {checkin_streak}, "
        "{activity, count}"))]


class RollingWindow(_Doc):
    days: int = Field(gt=0, le=366, description="the last n UTC days, today included")


ChallengeWindow = Literal["calendar_month", "challenge"] | RollingWindow


class Challenge(_Doc):
    """A goal counted from a member's accruals over a window; reaching it grants `bonus_points` once per window."""

    challenge_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    name: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    goal: ChallengeGoal
    window: ChallengeWindow
    segments: list[str] = Field(default=[], description="only members in one of these take part; empty: everyone")
    bonus_points: int = Field(gt=0, le=10**9)

    @property
    def target(self) -> int:
        goal = self.goal
        if isinstance(goal, PurchasesGoal):
            return goal.purchases
        if isinstance(goal, SpendGoal):
            return goal.spend_minor
        if isinstance(goal, CategoriesGoal):
            return goal.distinct_categories
        if isinstance(goal, StreakGoal):
            return goal.checkin_streak
        return goal.count

    @model_validator(mode="after")
    def _coherent(self) -> Challenge:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if isinstance(self.goal, StreakGoal) and isinstance(self.window, RollingWindow) \
                and self.window.days < self.goal.checkin_streak:
            raise ValueError(f"a streak of {self.goal.checkin_streak} days cannot fit a window of {self.window.days}")
        return self


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
    birthday_points: int = Field(0, ge=0, le=10**9)  # credited by the points clock on the member's birthday, once a year
    # what a point is worth to the merchant: the analytics' liability is outstanding points times this
    point_value_minor: int = Field(1, ge=0, le=10**6)
    point_value_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
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


# --- the whole document: what no single field can check (PUT /v1/admin/program) ---------------------------------

Problem = tuple[str, str]  # (where in the document, dot-separated with list positions from 0; what is wrong there)
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")  # the contract's ids: what a request can name
CURRENCY = re.compile(r"[A-Z]{3}")  # ISO 4217, as an accrual names it
MAX_POINTS = 10**9  # points one request may carry
MAX_DAYS = 36_600  # every day count of the program: a century at most
MAX_MULTIPLIER = Decimal(1000)
SECTIONS = {"tiers": "name", "rewards": "reward_id", "promotions": "promotion_id", "challenges": "challenge_id"}


def validate(document: Any) -> Program:
    """The program a document describes, or InvalidProgram naming every problem: the schema's first (paths from
    pydantic's `loc`), then, once the shape is right, the checks across fields (`check`)."""
    unencodable = _not_text(document)
    if unencodable:  # a lone surrogate (sent as a \u escape) could be neither stored nor answered
        raise InvalidProgram(unencodable)
    try:
        program = Program.model_validate(document)
    except ValidationError as err:
        raise InvalidProgram([(path_of(e["loc"]), e["msg"]) for e in err.errors(include_url=False)]) from None
    problems = check(program)
    if problems:
        raise InvalidProgram(problems)
    return program


def path_of(loc: Sequence[int | str]) -> str:
    return ".".join(_printable(str(part)) for part in loc)


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _not_text(document: Any) -> list[Problem]:
    """Keys and strings of a JSON value that are not Unicode text (a lone surrogate), by path."""
    found: list[Problem] = []
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), document)]
    while stack:
        at, node = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            stack.append(((*at, key), child))
            if isinstance(key, str) and not key.isascii() and _printable(key) != key:
                found.append((path_of((*at, key)), "a key that is not Unicode text"))
        if isinstance(node, str) and not node.isascii() and _printable(node) != node:
            found.append((path_of(at), "not Unicode text (a lone surrogate)"))
    return found


def check(program: Program) -> list[Problem]:
    """Problems of a well-formed document that would make an operation refuse, fail or misbehave later."""
    tiers = {t.name for t in program.tiers}
    problems = [p for section, key in SECTIONS.items() for p in _unique(section, key, getattr(program, section))]
    problems += _tier_ladder(program.tiers)
    problems += _earning(program)
    for n, reward in enumerate(program.rewards):
        at = f"rewards.{n}"
        problems += _id(f"{at}.reward_id", reward.reward_id) + _count(f"{at}.points", reward.points, 1, MAX_POINTS)
        if reward.min_tier is not None and reward.min_tier not in tiers:
            problems.append((f"{at}.min_tier", f"no tier is named {reward.min_tier!r}"))
        if reward.stock is not None:
            problems += _count(f"{at}.stock", reward.stock, 0, MAX_POINTS)
    for n, promotion in enumerate(program.promotions):
        at = f"promotions.{n}"
        problems += _id(f"{at}.promotion_id", promotion.promotion_id)
        problems += _window(at, promotion.starts_at, promotion.ends_at)
        problems += _multiplier(f"{at}.multiplier", promotion.multiplier)
        problems += [(f"{at}.tiers.{k}", f"no tier is named {name!r}") for k, name in enumerate(promotion.tiers)
                     if name not in tiers]
    for n, challenge in enumerate(program.challenges):
        problems += _id(f"challenges.{n}.challenge_id", challenge.challenge_id)
        problems += _window(f"challenges.{n}", challenge.starts_at, challenge.ends_at)
        problems += _goal_names(f"challenges.{n}.goal", challenge.goal, program)
    return problems


def removed_tiers(before: Program, after: Program) -> list[str]:
    kept = {t.name for t in after.tiers}
    return [t.name for t in before.tiers if t.name not in kept]


def held_tiers(members: dict[str, int]) -> list[Problem]:
    """A tier that members hold stays (its members' views, earning and reviews name it): `members` by removed tier."""
    return [("tiers", f"{name!r} is the tier of {count} members: keep it (its threshold and multiplier may change)")
            for name, count in members.items() if count > 0]


def _earning(program: Program) -> list[Problem]:
    problems: list[Problem] = [] if program.earn.currencies else [("earn.currencies", "no currency earns points")]
    for code, rate in program.earn.currencies.items():
        if not CURRENCY.fullmatch(code):
            problems.append((f"earn.currencies.{code}", "a currency is three capital letters (ISO 4217)"))
        problems += _count(f"earn.currencies.{code}.minor_per_point", rate.minor_per_point, 1, MAX_POINTS)
    for category, multiplier in program.earn.categories.items():
        problems += _id(f"earn.categories.{category}", category, "a category")
        problems += _multiplier(f"earn.categories.{category}", multiplier)
    for name, activity in program.activities.items():
        problems += _id(f"activities.{name}", name, "an activity")
        problems += _count(f"activities.{name}.points", activity.points, 1, MAX_POINTS)
        if activity.cap is not None:
            problems += _count(f"activities.{name}.cap.count", activity.cap.count, 1, MAX_POINTS)
            if activity.cap.window_days is not None:
                problems += _count(f"activities.{name}.cap.window_days", activity.cap.window_days, 1, MAX_DAYS)
    for field, low in (("welcome_points", 0), ("referral_points", 0)):
        problems += _count(field, getattr(program, field), low, MAX_POINTS)
    for field, low in (("pending_days", 0), ("expiry_days", 1), ("qualifying_window_days", 1),
                       ("tier_review_days", 1), ("expiring_soon_days", 0)):
        problems += _count(field, getattr(program, field), low, MAX_DAYS)
    return problems


def _tier_ladder(tiers: list[Tier]) -> list[Problem]:
    """Tiers climb from 0 qualifying points, each above the one before."""
    if not tiers:
        return [("tiers", "at least one tier, from 0 qualifying points")]
    problems: list[Problem] = []
    if tiers[0].qualifying_points != 0:
        problems.append(("tiers.0.qualifying_points", "the first tier starts at 0 qualifying points"))
    for n, (lower, tier) in enumerate(itertools.pairwise(tiers), start=1):
        if tier.qualifying_points <= lower.qualifying_points:
            problems.append((f"tiers.{n}.qualifying_points",
                             f"must be above the tier before ({lower.name}: {lower.qualifying_points})"))
    for n, tier in enumerate(tiers):
        problems += _count(f"tiers.{n}.qualifying_points", tier.qualifying_points, 0, 10**12)
        problems += _multiplier(f"tiers.{n}.multiplier", tier.multiplier)
    return problems


def _unique(section: str, key: str, items: Sequence[BaseModel]) -> list[Problem]:
    first: dict[Any, int] = {}
    problems = []
    for n, item in enumerate(items):
        value = getattr(item, key)
        if value in first:
            problems.append((f"{section}.{n}.{key}", f"{value!r} is already used by {section}.{first[value]}"))
        first.setdefault(value, n)
    return problems


def _window(at: str, starts_at: datetime, ends_at: datetime) -> list[Problem]:
    naive = [(f"{at}.{name}", "give a time zone (Z for UTC)") for name, value in
             (("starts_at", starts_at), ("ends_at", ends_at)) if value.utcoffset() is None]
    if naive:
        return naive
    return [] if ends_at > starts_at else [(f"{at}.ends_at", "must be after starts_at")]


def _goal_names(at: str, goal: object, program: Program) -> list[Problem]:
    """A goal can only be reached through what the program earns on: an activity it has, a currency that earns."""
    if isinstance(goal, ActivityGoal) and goal.activity not in program.activities:
        return [(f"{at}.activity", f"no activity is named {goal.activity!r}")]
    if isinstance(goal, SpendGoal) and goal.currency not in program.earn.currencies:
        return [(f"{at}.currency", f"{goal.currency} does not earn points")]
    return []


def _multiplier(at: str, value: Decimal | None) -> list[Problem]:
    if value is None or 0 < value <= MAX_MULTIPLIER:
        return []
    return [(at, f"a multiplier is above 0 and at most {MAX_MULTIPLIER}")]


def _count(at: str, value: int, low: int, high: int) -> list[Problem]:
    return [] if low <= value <= high else [(at, f"must be from {low} to {high}")]


def _id(at: str, value: str, what: str = "an id") -> list[Problem]:
    return [] if ID.fullmatch(value) else [(at, f"{what} is 1 to 64 of A-Z a-z 0-9 _ - . :")]


def summarize(before: Program | None, after: Program) -> str:
    """What a revision changed, in a line: the ids added (+), removed (-) and changed (~) of each list, and the
    other parts of the document that changed."""
    if before is None:
        return ", ".join(f"{len(getattr(after, s))} {s}" for s in SECTIONS)
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    parts = []
    for name in new:
        if old.get(name) == new[name]:
            continue
        if name in SECTIONS:
            key = SECTIONS[name]
            parts.append(_changes(name, {i[key]: i for i in old.get(name) or []}, {i[key]: i for i in new[name]}))
        elif isinstance(new[name], dict) and isinstance(old.get(name), dict):
            parts.append(_changes(name, old[name], new[name]))
        else:
            parts.append(f"{name} {_short(old.get(name))} -> {_short(new[name])}")
    summary = "; ".join(parts) or "no change"
    return summary if len(summary) <= 500 else summary[:497] + "..."


def _changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    marks = [("+", [k for k in new if k not in old]), ("-", [k for k in old if k not in new]),
             ("~", [k for k in new if k in old and new[k] != old[k]])]
    shown = [f"{mark}{len(keys)} ({', '.join(keys[:3])}{', ...' if len(keys) > 3 else ''})"
             for mark, keys in marks if keys]
    return f"{name} {' '.join(shown) or 'reordered'}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
