"""What an operation writes, as domain records: ledger entries, lots, stock and program counters.

An operation returns one Posting; storage writes it as one conditional transaction. Every ledger entry is
keyed by its idempotency key, so a replay or a race can never apply twice."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ..events import EventDetail
from .errors import ErrorCode

if TYPE_CHECKING:  # annotations only: member and answers import this module
    from ..answers import Answer
    from .member import MemberState

EntryType = Literal[
    "accrual", "reversal", "redemption", "cancellation", "transfer_out", "transfer_in", "expiry", "adjustment"
]


@dataclass(frozen=True)
class Command:
    """An operation's request, keyed by its idempotency key: the same command again is a replay."""

    def idempotency_payload(self) -> dict[str, Any]:
        """What tells a replay from a changed request: every field as sent."""
        return dataclasses.asdict(self)


def entry_key(kind: str, key: str) -> str:
    return f"{kind}#{key}"


@dataclass
class LedgerEntry:
    member_id: str
    key: str  # "<kind>#<idempotency key>"
    type: EntryType
    points: int  # signed change of available + pending
    created_at: datetime
    reference: str
    fingerprint: str | None = None
    response: dict[str, Any] | None = None  # the original answer, replayed as is
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class PromotionGrant:
    """What one promotion gave an accrual, and where its budget was drawn: a reversal gives back to the same slice."""

    promotion_id: str
    points: int
    slice: int | None = None  # the budget slice drawn on; None: the promotion has no budget
    reversed_points: int = 0


@dataclass
class Lot:
    """Points credited together. Pending lots wait for the points clock; available lots are located in their
    expiry-date buckets by `segments` {expiry date: [points, start]} and never rewritten by spending."""

    member_id: str
    lot_id: str
    source: str
    points: int
    earned_at: datetime
    expires_on: str
    status: Literal["pending", "available"]
    available_at: datetime | None = None
    segments: dict[str, list[int]] = field(default_factory=dict)
    qualifying: bool = False
    amount_minor: int | None = None
    currency: str | None = None
    refunded_minor: int = 0
    reversed_points: int = 0
    version: int | None = None
    promotions: list[PromotionGrant] = field(default_factory=list)

    @property
    def pending_points(self) -> int:
        return self.points - self.reversed_points if self.status == "pending" else 0


@dataclass
class StockChange:
    reward_id: str
    quantity: int  # units handed out (negative when a cancellation returns them)
    limit: int


@dataclass(frozen=True)
class Claim:
    """A key that at most one member may ever hold (a receipt: `receipt#<store_id>#<receipt id>`), written with
    the posting on condition that it does not exist yet."""

    key: str
    member_id: str
    reference: str
    taken: ErrorCode  # the refusal when another posting holds the key already
    message: str


@dataclass
class BudgetDraw:
    """Points of a promotion drawn on one slice of its budget (negative: given back by a reversal). A draw never
    takes the slice's counter beyond `limit`, the slice's share of the budget."""

    promotion_id: str
    slice: int
    points: int
    limit: int | None = None  # None for points given back


@dataclass
class Posting:
    members: list[MemberState] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    new_lots: list[Lot] = field(default_factory=list)
    updated_lots: list[Lot] = field(default_factory=list)
    stock: list[StockChange] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    budget: list[BudgetDraw] = field(default_factory=list)
    # program figures (issued, redeemed, expired...: domain.figures names them), carried by the first member item
    # to the analytics consumer of the stream, never written as counters in the operation's transaction
    stats: dict[str, int] = field(default_factory=dict)
    events: list[EventDetail] = field(default_factory=list)  # written with the posting (outbox)
    response: Answer | None = None  # what the operation answers (stored with its keyed entry for replays)

    @property
    def empty(self) -> bool:
        return not (self.members or self.entries or self.new_lots or self.updated_lots)

    def count(self, name: str, delta: int) -> None:
        if delta:
            self.stats[name] = self.stats.get(name, 0) + delta

    @property
    def day(self) -> str | None:
        """The UTC day the figures count for: the operation's time, the latest of its ledger entries' (a bonus may
        be dated when a back-dated purchase happened; a clock run for a past day counts on that day); None for a
        posting without entries (a tier change alone)."""
        return max(e.created_at for e in self.entries).date().isoformat() if self.entries else None
