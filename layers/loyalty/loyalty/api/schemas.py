"""Request models of the HTTP contract: strict types, bounded sizes, unknown fields refused."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from ..domain.accrual import AccrualCommand
from ..domain.bulk_credit import CHUNK, MAX_MEMBERS, BulkCreditCommand
from ..domain.earning import Purchase, PurchaseLine
from ..domain.errors import ErrorCode, InvalidRequest
from ..domain.imports import ImportedLot, ImportedMember
from ..domain.profile import ProfileChange, valid_birthday
from ..domain.program import Program

Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
AmountMinor = Annotated[StrictInt, Field(ge=1, le=10**11)]
Points = Annotated[StrictInt, Field(ge=1, le=10**9)]
Currency = Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217; must earn in the program")]
Channel = Literal["online", "store", "app"]


class Strict(BaseModel):
    # built on first use: a function builds the requests it takes, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Line(Strict):
    sku: Id | None = None
    category: Id | None = None
    amount_minor: AmountMinor


class PurchaseAccrual(Strict):
    transaction_id: Id
    kind: Literal["purchase"]
    amount_minor: AmountMinor
    currency: Currency
    channel: Channel | None = None
    lines: Annotated[list[Line], Field(max_length=100)] = []
    occurred_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _lines_within_amount(self) -> PurchaseAccrual:
        if sum(line.amount_minor for line in self.lines) > self.amount_minor:
            raise ValueError("lines add up to more than amount_minor")
        return self


class ActivityAccrual(Strict):
    transaction_id: Id
    kind: Literal["activity"]
    activity: Id
    occurred_at: AwareDatetime | None = None


class ReceiptAccrual(Strict):
    """An offline purchase scanned from its receipt: earns as a purchase in store, once per store and receipt id
    across all members."""

    transaction_id: Id = Field(description="the receipt's id, unique within its store")
    kind: Literal["receipt"]
    store_id: Id
    amount_minor: AmountMinor
    currency: Currency
    occurred_at: AwareDatetime | None = None


AccrualRequest = Annotated[PurchaseAccrual | ActivityAccrual | ReceiptAccrual, Field(discriminator="kind")]


class ReversalRequest(Strict):
    reversal_id: Id
    amount_minor: AmountMinor | None = Field(None, description="refunded amount; omitted = the whole rest")


def _real_day(value: str) -> str:
    if not valid_birthday(value):
        raise ValueError("birthday must be a calendar day as MM-DD (02-29 included)")
    return value


Birthday = Annotated[StrictStr, Field(min_length=5, max_length=5, pattern=r"^[0-9]{2}-[0-9]{2}$",
                                      description="MM-DD, a real calendar day; 02-29 is allowed"),
                     AfterValidator(_real_day)]
MAX_SEGMENTS = 20


class ProfileRequest(Strict):
    """PATCH /v1/members/{id}: what is sent changes, what is omitted stays. `birthday: null` clears it (a service
    or an admin only); `segments` replaces the member's segments (a service or an admin only)."""

    birthday: Birthday | None = None
    segments: Annotated[list[Id], Field(max_length=MAX_SEGMENTS)] | None = None

    @model_validator(mode="after")
    def _something(self) -> ProfileRequest:
        if not self.model_fields_set:
            raise ValueError("send birthday and/or segments")
        if self.segments is not None and len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat")
        if "segments" in self.model_fields_set and self.segments is None:
            raise ValueError("segments: send a list ([] removes every segment)")
        return self

    def change(self) -> ProfileChange:
        return ProfileChange(birthday=self.birthday, clear_birthday="birthday" in self.model_fields_set
                             and self.birthday is None,
                             segments=None if self.segments is None else tuple(self.segments))


class EnrollRequest(Strict):
    member_id: Id
    referral_code: Annotated[StrictStr, Field(min_length=4, max_length=16, pattern=r"^[A-Z0-9]+$")] | None = None


class RedemptionRequest(Strict):
    redemption_id: Id
    reward_id: Id
    quantity: Annotated[StrictInt, Field(ge=1, le=100)] = 1


class TransferRequest(Strict):
    transfer_id: Id
    to_member_id: Id
    points: Points


class AdjustmentRequest(Strict):
    adjustment_id: Id
    points: Annotated[StrictInt, Field(ge=-10**9, le=10**9, description="positive credits, negative debits")]
    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]

    @model_validator(mode="after")
    def _not_zero(self) -> AdjustmentRequest:
        if self.points == 0:
            raise ValueError("points must not be zero")
        return self


def _day(value: Any) -> Any:
    """Only the text YYYY-MM-DD of a real day (pydantic's own date would take a number too)."""
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise ValueError("a day is YYYY-MM-DD")
    return date.fromisoformat(value)  # a day that does not exist (2026-02-30) is a ValueError: 422


Day = Annotated[date, BeforeValidator(_day), Field(description="YYYY-MM-DD (UTC)")]


class ExportRequest(Strict):
    """POST /v1/admin/exports: the whole ledger or the days from..to (both included, UTC), or a members snapshot."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["ledger", "members"]
    from_: Day | None = Field(None, alias="from", description="first day of ledger entries; omitted: the first")
    to: Day | None = Field(None, description="last day of ledger entries, included; omitted: the last")

    @model_validator(mode="after")
    def _range(self) -> ExportRequest:
        if self.kind == "members" and (self.from_ or self.to):
            raise ValueError("from/to select ledger entries; a members export is a snapshot of every member")
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from is after to")
        return self

class BulkCreditRequest(Strict):
    """POST /v1/admin/bulk-credits: `member_ids` or `segment`, exactly one."""

    credit_id: Id
    points: Points
    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_MEMBERS)] | None = None
    segment: Id | None = None

    @model_validator(mode="after")
    def _one_audience(self) -> BulkCreditRequest:
        if (self.member_ids is None) == (self.segment is None):
            raise ValueError("send member_ids or segment, exactly one")
        return self

    def command(self) -> BulkCreditCommand:
        return BulkCreditCommand(self.credit_id, self.points, self.reason,
                                 None if self.member_ids is None else tuple(self.member_ids), self.segment)


class MembersChunk(Strict):
    """A queue message of a bulk credit: credit these members."""

    kind: Literal["members"]
    credit_id: Id
    fingerprint: StrictStr
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=CHUNK)]


class SegmentPage(Strict):
    """A queue message of a bulk credit: find the segment's members from page `page`, which starts after
    `start` (a member id; None: the first page)."""

    kind: Literal["segment"]
    credit_id: Id
    fingerprint: StrictStr
    page: Annotated[StrictInt, Field(ge=0)]
    start: Id | None = None


BulkCreditWork = Annotated[MembersChunk | SegmentPage, Field(discriminator="kind")]


class StatusChangeRequest(Strict):
    """POST /v1/admin/members/{member_id}/block and .../unblock."""

    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("the program document is a JSON object")
    return value


# documented as the program's schema, taken as any JSON object: the service validates it whole and answers every
# problem with its path (422 INVALID_PROGRAM), where the request's own validation would stop at INVALID_REQUEST
ProgramDocument = Annotated[dict[str, Any], PlainValidator(_json_object, json_schema_input_type=Program)]


class ProgramEdit(Strict):
    program: ProgramDocument
    revision: Annotated[StrictInt, Field(ge=1, le=10**9, description="the revision this document edits")]


class AccrualSimulationRequest(Strict):
    """POST /v1/admin/simulations/accrual: what an accrual would earn a member of this tier and these segments."""

    tier: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a tier of the program; omitted: the first")
    segments: Annotated[list[Id], Field(max_length=100)] = []
    purchase: AccrualRequest


MAX_IMPORT_MEMBERS = 1000  # a call; larger files go through an upload
MAX_IMPORT_LOTS = 1000  # a member; more than fit one transaction are merged by expiry date


class ImportLotRequest(Strict):
    points: Points
    earned_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="its date is the lot's expiry date (the points clock's day)")


class ImportMemberRequest(Strict):
    member_id: Id
    tier: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a tier of the program; omitted: the first")
    segments: Annotated[list[Id], Field(max_length=MAX_SEGMENTS)] = []
    birthday: Birthday | None = None
    lots: Annotated[list[ImportLotRequest], Field(max_length=MAX_IMPORT_LOTS)] = []

    @model_validator(mode="after")
    def _segments_once(self) -> ImportMemberRequest:
        if len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat")
        return self

    def imported(self) -> ImportedMember:
        return ImportedMember(self.member_id, tuple(ImportedLot(x.points, x.earned_at, x.expires_at) for x in self.lots),
                              self.tier, tuple(self.segments), self.birthday)


class ImportRequest(Strict):
    import_id: Id
    members: Annotated[list[ImportMemberRequest], Field(min_length=1, max_length=MAX_IMPORT_MEMBERS)]

    @model_validator(mode="after")
    def _members_once(self) -> ImportRequest:
        if len({m.member_id for m in self.members}) != len(self.members):
            raise ValueError("a member_id appears twice")
        return self


class ImportUploadRequest(Strict):
    import_id: Id


def member_of_line(line: bytes) -> ImportedMember:
    """A line of an uploaded file: one member as POST /v1/admin/imports takes it, or InvalidRequest."""
    try:
        return ImportMemberRequest.model_validate_json(line).imported()
    except ValidationError as err:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in err.errors())
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, where[:1000]) from None


def accrual_command(body: AccrualRequest, now: datetime) -> AccrualCommand:
    """The accrual a request asks for; an omitted occurred_at is the time of the request (checked by the service,
    in its write, so that a late replay still replays)."""
    occurred_at = body.occurred_at or now
    sent = body.occurred_at is not None
    if isinstance(body, ReceiptAccrual):
        receipt = Purchase(body.amount_minor, body.currency, "store", (), occurred_at)
        return AccrualCommand(body.transaction_id, "receipt", occurred_at, purchase=receipt, occurred_at_sent=sent,
                              store_id=body.store_id)
    if isinstance(body, PurchaseAccrual):
        lines = tuple(PurchaseLine(x.sku, x.category, x.amount_minor) for x in body.lines)
        purchase = Purchase(body.amount_minor, body.currency, body.channel, lines, occurred_at)
        return AccrualCommand(body.transaction_id, "purchase", occurred_at, purchase=purchase, occurred_at_sent=sent)
    return AccrualCommand(body.transaction_id, "activity", occurred_at, activity=body.activity, occurred_at_sent=sent)
