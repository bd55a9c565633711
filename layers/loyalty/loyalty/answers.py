"""The answers of the HTTP contract, one model per shape. The domain builds them, the resolver documents and
validates them (the OpenAPI document is generated from these classes), and a replay answers the stored copy."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .domain.errors import ErrorCode
from .domain.ledger import EntryType
from .domain.program import Program, ProgramRules, Reward

if TYPE_CHECKING:  # annotations only: the ledger module imports this one
    from .domain.ledger import LedgerEntry, Lot


class Answer(BaseModel):
    # built on first use: a function builds the few answers it sends, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", defer_build=True)


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


class BulkCredit(Answer):
    credit_id: str
    status: Literal["running", "done"] = Field(description="done once every member found has an outcome")
    credited: int = Field(description="members credited (once each, whatever the retries)")
    skipped: int = Field(description="members unknown, or refused by a business rule (blocked)")
    members: int = Field(description="members found so far: all of a list; a segment's grow as it is read")
    points: int = Field(description="points credited to each member")
    reason: str
    segment: str | None = None


class HistoryItem(Answer):
    entry_id: str
    type: EntryType
    points: int = Field(description="signed change of available + pending")
    created_at: str
    reference: str

    @staticmethod
    def fields_of(entry: LedgerEntry) -> dict[str, object]:
        """An entry as the history shows it (the ledger export's rows add the member)."""
        return {"entry_id": entry.key, "type": entry.type, "points": entry.points,
                "created_at": entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "reference": entry.reference}

    @classmethod
    def of(cls, entry: LedgerEntry) -> HistoryItem:
        return cls.model_validate(cls.fields_of(entry))


class HistoryPage(Answer):
    items: list[HistoryItem]
    next_cursor: str | None


class LedgerRow(HistoryItem):
    """A line of a ledger export (gzipped JSON Lines): the history item of the entry, with its member."""

    member_id: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerRow:
        return cls.model_validate({"member_id": entry.member_id, **cls.fields_of(entry)})


class MemberRow(Answer):
    """A line of a members export: the member view's tier, balance and segments, and when the member enrolled."""

    member_id: str
    tier: str
    balance: Balance
    segments: list[str]
    enrolled_at: str

    @classmethod
    def of(cls, view: MemberView, enrolled_at: str) -> MemberRow:
        return cls(member_id=view.member_id, tier=view.tier, balance=view.balance, segments=view.segments,
                   enrolled_at=enrolled_at)


ExportKind = Literal["ledger", "members"]


class ExportAccepted(Answer):
    export_id: str


class ExportStatus(Answer):
    export_id: str
    kind: ExportKind
    status: Literal["running", "done", "failed"]
    rows: int = Field(description="lines written so far (all of them once done)")
    url: str | None = Field(description="presigned GET of the gzipped JSON Lines file, valid an hour; null until done")


class ExportedEntry(HistoryItem):
    detail: dict[str, Any] = Field(description=(
        "what the entry records beyond its points: its kind, the expiry dates it drew on or credited..."))

    @classmethod
    def of(cls, entry: LedgerEntry) -> ExportedEntry:
        return cls.model_validate({**cls.fields_of(entry), "detail": entry.detail})


class ExportedLot(Answer):
    """Points credited together (a purchase, a bonus, a transfer received...), as stored."""

    lot_id: str
    source: str
    points: int
    earned_at: str
    expires_on: str
    status: Literal["pending", "available"]
    amount_minor: int | None = Field(description="the purchase's amount in minor units; null for a bonus")
    currency: str | None
    refunded_minor: int
    reversed_points: int

    @classmethod
    def of(cls, lot: Lot) -> ExportedLot:
        return cls(lot_id=lot.lot_id, source=lot.source, points=lot.points,
                   earned_at=lot.earned_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), expires_on=lot.expires_on,
                   status=lot.status, amount_minor=lot.amount_minor, currency=lot.currency,
                   refunded_minor=lot.refunded_minor, reversed_points=lot.reversed_points)


class MemberExport(Answer):
    """GET /v1/members/{member_id}/export: everything held about the member."""

    member: dict[str, Any] = Field(description=(
        "the member's record as stored: profile, status, wallet (points by expiry date), tier and earning state"))
    view: MemberView
    entries: list[ExportedEntry] = Field(description="the whole ledger, oldest first; it sums to available + pending")
    lots: list[ExportedLot] = Field(description="the member's lots, by lot id (the purchases' amounts are there)")


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


class RewardListing(Reward):
    stock_left: int | None = Field(None, description="units left of a limited reward; null when unlimited")


class RewardsPage(Answer):
    items: list[RewardListing]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null on the last")


class ProgramAtRevision(Answer):
    """The program document in force and its revision: a PUT names the revision it edits."""

    program: Program
    revision: int


class ProgramRevision(Answer):
    revision: int
    changed_at: str
    changed_by: str = Field(description="the `sub` of the token that wrote it (`seed`: the shipped program)")
    summary: str = Field(description="what changed: ids added (+), removed (-), changed (~), other parts changed")


class RevisionsPage(Answer):
    items: list[ProgramRevision]
    next_cursor: str | None = Field(description="the `cursor` of the next (older) page; null on the last")


class PublicProgram(ProgramRules):
    """The program's public rules: earning, tiers, activities, expiry (the catalog is GET /v1/rewards)."""


class ErrorPlace(Answer):
    path: str = Field(description="where in the program document: keys and list positions (from 0), dot-separated")
    message: str


class ErrorDetail(Answer):
    code: ErrorCode
    message: str
    details: list[ErrorPlace] | SkipJsonSchema[None] = Field(
        None, description="INVALID_PROGRAM only (absent otherwise): every problem found, at most 100")


class ErrorAnswer(Answer):
    """Every error the functions answer: {"error": {"code", "message"}}."""

    error: ErrorDetail


class GatewayMessage(Answer):
    """What API Gateway itself answers (the JWT authorizer's 401, an unknown route's 404, its throttling 429)."""

    message: str


class Refusal(Answer):
    code: ErrorCode
    message: str


class ImportResult(Answer):
    member_id: str
    status: Literal["imported", "replayed", "refused"] = Field(description=(
        "imported now; replayed: this import had imported the member already (nothing changed); refused: see error"))
    error: Refusal | None = Field(None, description="why the member was refused (nothing of it was written)")


class ImportAnswer(Answer):
    import_id: str
    results: list[ImportResult] = Field(description="one per member sent, in the order sent")


class ImportUpload(Answer):
    import_id: str
    upload_url: str = Field(description="a presigned S3 PUT of the file: JSON Lines, one member a line")
    expires_in: int = Field(description="seconds the URL stays valid")


class ImportCounts(Answer):
    imported: int
    replayed: int
    refused: int


class ImportStatus(Answer):
    """An uploaded import's progress (a page of lines at a time, from its checkpoint)."""

    import_id: str
    status: Literal["running", "done", "failed"]
    lines: int = Field(description="lines of the file processed so far")
    bytes_read: int = Field(description="bytes of the file processed so far (where the next page starts)")
    size: int = Field(description="bytes in the file")
    counts: ImportCounts
    started_at: str
    finished_at: str | None
    error: str | None = Field(description="why a failed import stopped (the file was replaced, a line too long)")


class ImportRefusal(Answer):
    line: int = Field(description="the member's line in the file (from 1)")
    member_id: str | None = Field(description="null when the line is not a member")
    error: Refusal


class ImportRefusalsPage(Answer):
    items: list[ImportRefusal]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null on the last")
