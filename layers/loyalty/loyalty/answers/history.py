"""A member's history, the exports' rows and the member's own export."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..domain.ledger import EntryType
from .base import Answer
from .views import Balance, MemberView

if TYPE_CHECKING:  # annotations only: the ledger module imports this package
    from ..domain.ledger import LedgerEntry, Lot


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
