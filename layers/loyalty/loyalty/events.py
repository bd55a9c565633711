"""The events this service publishes (source `loyalty`), one model per detail-type. The domain builds them (so a
detail is validated once, when it is made), the outbox stores them, consumers parse them with the same model,
and `scripts/build_event_schemas.py` documents them as JSON Schema."""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    """A nested object of a detail."""

    # built on first use: a function builds the events it publishes, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class EventDetail(_Part):
    """A published detail: its detail-type is the class name."""

    event_id: str | None = Field(default=None, description=(
        "the same on every delivery of this event (the bus delivers at least once): dedupe on it; "
        "<member_id>/<version of the member write that caused it>/<position>, or "
        "<member_id>/expiring-soon/<day> for the weekly notice"))


class AccruedPromotion(_Part):
    promotion_id: str
    points: int = Field(description="what this promotion added to the accrual's points")


class PointsAccrued(EventDetail):
    member_id: str
    transaction_id: str
    points: int
    status: Literal["pending", "available"]
    kind: Literal["purchase", "activity", "referral", "receipt", "birthday", "tier_bonus"]
    available_at: str | None = None
    expires_at: str | None = None
    promotions: list[AccruedPromotion] = []


class PointsReversed(EventDetail):
    member_id: str
    reversal_id: str
    transaction_id: str
    points: int = Field(description="points clawed back")
    refunded_minor: int = Field(description="amount refunded so far, minor units")


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


class PointsReleased(EventDetail):
    member_id: str
    points: int = Field(description="pending points that became available")


class ExpiredLot(_Part):
    expired_on: str
    points: int


class Balance(_Part):
    available: int
    pending: int


class PointsExpired(EventDetail):
    member_id: str
    points: int
    lots: list[ExpiredLot]
    balance: Balance


class ExpiringDay(_Part):
    date: str
    points: int


class PointsExpiringSoon(EventDetail):
    member_id: str
    points: int
    expiring: list[ExpiringDay]


class TierChanged(EventDetail):
    member_id: str
    from_tier: str = Field(alias="from")
    to: str
    reason: Literal["upgrade", "review"]
    qualifying: int


class MemberEnrolled(EventDetail):
    member_id: str
    tier: str
    referred_by: str | None
    points: int = Field(description="welcome bonus")


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


class MemberImported(EventDetail):
    member_id: str
    tier: str
    import_id: str
    points: int = Field(description="the imported lots' points, available at once and not qualifying")
    lots: int = Field(description="lots taken (beyond 90, lots sharing an expiry date are merged)")


class MemberBlocked(EventDetail):
    member_id: str
    reason: str


class MemberUnblocked(EventDetail):
    member_id: str
    reason: str


class MemberErased(EventDetail):
    """The profile (birthday, segments, referral code) is gone and the member is blocked for good; its ledger
    stays. Consumers holding a copy of the profile erase it too."""

    member_id: str


class ImportContinued(EventDetail):
    import_id: str = Field(description="the uploaded import to go on with, from its checkpoint")


class PointsClockContinued(EventDetail):
    time: str = Field(description="the interrupted run's time; the continuation runs as of it")


class ExportRequested(EventDetail):
    """Hands an export job's work to ExportFunction: sent when the job is created and whenever a run stops short
    of the time limit (the next invocation continues from what the job item records)."""

    export_id: str
    run: str = Field(description="the job's run; an event of an earlier run of the same job is ignored")


EVENTS: dict[str, type[EventDetail]] = {cls.__name__: cls for cls in (
    PointsAccrued, PointsReversed, PointsRedeemed, RedemptionCancelled, PointsTransferred, PointsAdjusted,
    PointsReleased, PointsExpired, PointsExpiringSoon, TierChanged, MemberEnrolled, ReferralQualified,
    ChallengeCompleted, PointsClockContinued, MemberImported, ExportRequested, MemberBlocked, MemberUnblocked,
    MemberErased, ImportContinued)}


Event = tuple[str, dict[str, Any]]  # (detail-type, detail) as it goes on the bus


def wire(detail: EventDetail) -> Event:
    """The event as sent: its detail-type and its JSON detail (`from` spelled as published)."""
    return type(detail).__name__, detail.model_dump(mode="json", by_alias=True, exclude_none=False)


def to_outbox(events: list[EventDetail]) -> str | None:
    """The events of one write, stored on the member item that the write produces (their ids come from that
    item's version, known when they are read back)."""
    stored = [[kind, {k: v for k, v in detail.items() if k != "event_id"}] for kind, detail in map(wire, events)]
    return json.dumps(stored) if stored else None


def from_outbox(outbox: str, member_id: str, version: int) -> list[Event]:
    """The stored events of the write that produced `version` of the member, each with its stable id."""
    return [(str(kind), {**detail, "event_id": f"{member_id}/{version}/{n}"})
            for n, (kind, detail) in enumerate(json.loads(outbox))]


def notice_id(member_id: str, notice: str, day: date) -> str:
    """The id of a notice that no write causes: one per member, notice and day, however often the job runs."""
    return f"{member_id}/{notice}/{day.isoformat()}"
