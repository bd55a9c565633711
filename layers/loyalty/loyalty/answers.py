"""The answers of the HTTP contract, one model per shape. The domain builds them, the resolver documents and
validates them (the OpenAPI document is generated from these classes), and a replay answers the stored copy."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .domain.errors import ErrorCode
from .domain.ledger import EntryType
from .domain.program import ProgramRules, Reward


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class MemberView(Answer):
    member_id: str
    tier: str
    referral_code: str
    balance: Balance
    next_tier: NextTier | None
    expiring: list[ExpiringPoints]


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


class Referral(Answer):
    """The referrer's bonus (paid from the ReferralQualified event, not over HTTP)."""

    transaction_id: str
    points: int
    status: Literal["available"]
    kind: Literal["referral"]
    referee_id: str


class ReferralAnswer(Answer):
    referral: Referral
    member: MemberView


class Reversal(Answer):
    reversal_id: str
    transaction_id: str
    points: int = Field(description="points taken back (positive)")
    refunded_minor: int = Field(description="amount refunded so far, minor units")


class ReversalAnswer(Answer):
    reversal: Reversal
    member: MemberView


class Redemption(Answer):
    redemption_id: str
    reward_id: str
    quantity: int
    points: int
    code: str | None = Field(description="voucher code a checkout or partner honours; null for a donation")


class RedemptionAnswer(Answer):
    redemption: Redemption
    member: MemberView


class Cancellation(Answer):
    redemption_id: str
    reward_id: str
    quantity: int
    points: int = Field(description="points given back")
    expired_points: int = Field(description="points whose original expiry passed meanwhile")


class CancellationAnswer(Answer):
    cancellation: Cancellation
    member: MemberView


class Transfer(Answer):
    transfer_id: str
    to_member_id: str
    points: int


class TransferAnswer(Answer):
    transfer: Transfer
    member: MemberView


class Adjustment(Answer):
    adjustment_id: str
    direction: Literal["credit", "debit"]
    points: int
    reason: str


class AdjustmentAnswer(Answer):
    adjustment: Adjustment
    member: MemberView


class HistoryItem(Answer):
    entry_id: str
    type: EntryType
    points: int = Field(description="signed change of available + pending")
    created_at: str
    reference: str


class HistoryPage(Answer):
    items: list[HistoryItem]
    next_cursor: str | None


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


class RewardListing(Reward):
    stock_left: int | None = Field(None, description="units left of a limited reward; null when unlimited")


class RewardsPage(Answer):
    items: list[RewardListing]


class PublicProgram(ProgramRules):
    """The program's public rules: earning, tiers, activities, expiry (the catalog is GET /v1/rewards)."""


class ErrorDetail(Answer):
    code: ErrorCode
    message: str


class ErrorAnswer(Answer):
    """Every error the functions answer: {"error": {"code", "message"}}."""

    error: ErrorDetail


class GatewayMessage(Answer):
    """What API Gateway itself answers (the JWT authorizer's 401, an unknown route's 404, its throttling 429)."""

    message: str
