"""Imports: a member of an existing program moved in with its lots, as if it had earned them here.

The imported points go into the expiry-date buckets exactly as earned points do (so the points clock expires them
on their day and spending takes them soonest-expiring first); they are available at once and not qualifying. The
member gets no welcome bonus; its tier is the one sent. One posting per member, however many lots it brings: the
member item (written only if no member has the id) and one ledger entry keyed by the import, so a replay cannot
apply twice, holding one lot with a segment per expiry date (as a transfer's lot is); the entry's detail keeps the
lots as sent, with the dates they were earned."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ..events import MemberImported
from . import tiers
from .crediting import credit_days
from .errors import BusinessRuleRefused, ErrorCode, InvalidRequest
from .ledger import Command, LedgerEntry, Lot, Posting, entry_key
from .member import MemberState
from .program import Program
from .timeutil import iso

# the lots kept as sent in the import's ledger entry (an item of at most 400 KB); more are merged by expiry date, and
# more distinct expiry dates than this refuse the member (each is a bucket of its member item)
MAX_LOTS = 90


@dataclass(frozen=True)
class ImportedLot:
    points: int
    earned_at: datetime
    expires_at: datetime

    @property
    def expires_on(self) -> str:
        """The expiry date: the day of `expires_at` (UTC); the points clock expires the lot when that day comes."""
        return self.expires_at.astimezone(UTC).date().isoformat()


@dataclass(frozen=True)
class ImportedMember:
    member_id: str
    lots: tuple[ImportedLot, ...] = ()
    tier: str | None = None
    segments: tuple[str, ...] = ()
    birthday: str | None = None


@dataclass(frozen=True)
class ImportCommand(Command):
    """One member of an import: applied once per import_id + member_id; the same key with another body is refused."""

    import_id: str
    member: ImportedMember

    def idempotency_payload(self) -> dict[str, Any]:
        """What `dataclasses.asdict` gives, without its deep copy of every lot (most of an import's CPU)."""
        member = self.member
        return {"import_id": self.import_id, "member": {**vars(member), "lots": [vars(x) for x in member.lots]}}


def import_key(import_id: str) -> str:
    return entry_key("import", import_id)


def check_tiers(program: Program, members: list[ImportedMember]) -> None:
    """A tier the program does not have makes the whole request invalid (nothing is applied)."""
    names = {t.name for t in program.tiers}
    for n, member in enumerate(members):
        if member.tier is not None and member.tier not in names:
            raise InvalidRequest(ErrorCode.INVALID_REQUEST,
                                 f"members.{n}.tier: {member.tier} is not a tier of the program ({', '.join(names)})")


def invalid_lot(n: int, message: str) -> BusinessRuleRefused:
    return BusinessRuleRefused(ErrorCode.INVALID_LOT, f"lots.{n}: {message}")


def check_lots(lots: tuple[ImportedLot, ...], now: datetime) -> None:
    """Refuse the member if a lot expires before it was earned, was earned after `now`, or has expired already
    (its expiry date is today or before: the points clock would expire it today, and it cannot be spent)."""
    today = now.astimezone(UTC).date().isoformat()
    for n, lot in enumerate(lots):
        if lot.expires_at <= lot.earned_at:
            raise invalid_lot(n, f"expires ({lot.expires_at.isoformat()}) before it was earned "
                                 f"({lot.earned_at.isoformat()})")
        if lot.earned_at > now:
            raise invalid_lot(n, f"earned in the future ({lot.earned_at.isoformat()})")
        if lot.expires_on <= today:
            raise invalid_lot(n, f"has expired already (on {lot.expires_on})")


def fitted(lots: tuple[ImportedLot, ...]) -> list[ImportedLot]:
    """The lots to write, in bucket order (expiry date, then earned first). Up to MAX_LOTS they are kept as sent;
    beyond, lots sharing an expiry date are merged into one (earned at the earliest of them), which changes no
    balance nor expiry; more distinct expiry dates than MAX_LOTS refuse the member."""
    ordered = sorted(lots, key=lambda lot: (lot.expires_on, lot.earned_at))
    if len(ordered) <= MAX_LOTS:
        return ordered
    by_day: dict[str, list[ImportedLot]] = defaultdict(list)
    for lot in ordered:
        by_day[lot.expires_on].append(lot)
    if len(by_day) > MAX_LOTS:
        raise BusinessRuleRefused(ErrorCode.INVALID_LOT, f"{len(by_day)} distinct expiry dates; at most {MAX_LOTS} "
                                                          "(lots sharing an expiry date are merged)")
    return [ImportedLot(sum(x.points for x in day), day[0].earned_at, day[0].expires_at) for day in by_day.values()]


def _reached(program: Program, tier: str) -> list[str]:
    """The tiers above the first up to `tier`: held in the old program, so no entry bonus is paid for them."""
    return [t.name for t in program.tiers[1:program.tier_index(tier) + 1]]


def import_member(program: Program, cmd: ImportCommand, referral_code: str, now: datetime) -> Posting:
    """The posting of one imported member; raises INVALID_LOT (BusinessRuleRefused) for a lot it cannot take."""
    sent = cmd.member
    check_lots(sent.lots, now)
    lots = fitted(sent.lots)
    tier = sent.tier or program.tiers[0].name
    review = tiers.review_date(program, now.date(), tier)
    member = MemberState(member_id=sent.member_id, tier=tier, referral_code=referral_code, enrolled_at=now,
                         segments=list(sent.segments), birthday=sent.birthday, tiers_reached=_reached(program, tier),
                         review_on=review.isoformat() if review else None)
    posting = Posting(members=[member])
    points = sum(lot.points for lot in lots)
    key = import_key(cmd.import_id)
    if lots:
        by_day: dict[str, int] = defaultdict(int)
        for sent_lot in lots:
            by_day[sent_lot.expires_on] += sent_lot.points
        lot = Lot(member.member_id, key, "import", points, min(x.earned_at for x in lots), lots[0].expires_on,
                  "available", qualifying=False)
        credit_days(member, lot, by_day)
        posting.new_lots.append(lot)
    member.lifetime = points
    sent_lots = [{"points": x.points, "earned_at": iso(x.earned_at), "expires_on": x.expires_on} for x in lots]
    posting.entries.append(LedgerEntry(member.member_id, key, "adjustment", points, now, f"import:{cmd.import_id}",
                                       detail={"kind": "import", "lots": sent_lots}))
    posting.count("imported", points)
    posting.count("members", 1)
    posting.count(f"tier:{tier}", 1)
    posting.events.append(MemberImported(member_id=member.member_id, tier=tier, import_id=cmd.import_id,
                                         points=points, lots=len(lots)))
    return posting


@dataclass
class ImportRun:
    """An uploaded import's progress through its file (JSON Lines, one member a line): the byte position and line
    reached, and what became of the members so far. Advanced page by page; `done` once the position is the end."""

    import_id: str
    file_key: str
    etag: str
    size: int
    started_at: str
    status: Literal["running", "done", "failed"] = "running"
    position: int = 0
    lines: int = 0
    imported: int = 0
    replayed: int = 0
    refused: int = 0
    finished_at: str | None = None
    error: str | None = None

    def advance(self, consumed: int, lines: int, statuses: list[str], now: str) -> None:
        self.position += consumed
        self.lines += lines
        self.imported += statuses.count("imported")
        self.replayed += statuses.count("replayed")
        self.refused += statuses.count("refused")
        if self.position >= self.size:
            self.status, self.finished_at = "done", now

    def fail(self, error: str, now: str) -> None:
        self.status, self.error, self.finished_at = "failed", error, now


def complete_lines(chunk: bytes, at_end: bool, most: int) -> tuple[list[bytes], int]:
    """Up to `most` whole lines at the start of `chunk` (without their newline) and the bytes they take; the last
    line of the file needs no newline. A line cut by the end of the chunk waits for the next page."""
    lines: list[bytes] = []
    start = 0
    while len(lines) < most:
        end = chunk.find(b"\n", start)
        if end < 0:
            if at_end and start < len(chunk):
                lines.append(chunk[start:])
                start = len(chunk)
            break
        lines.append(chunk[start:end])
        start = end + 1
    return lines, start
