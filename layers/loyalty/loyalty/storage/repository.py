"""Reads, and the single conditional transaction that writes a posting.

Every operation's write goes through `commit`: member items guarded by their version, ledger entries and new
lots by "must not exist yet", stock by its limit. A replay, a race or a crash-and-retry cannot apply twice."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from ..domain.errors import BusinessRuleRefused, ErrorCode, InvalidRequest
from ..domain.figures import WriteFigures
from ..domain.ledger import LedgerEntry, Lot, Posting
from ..domain.member import MemberState
from ..events import to_outbox
from ..platform.clients import clients
from .conflicts import BudgetShort, ConcurrentChange, KeyAlreadyUsed
from .mapping import entry_from_item, entry_to_item, lot_from_item, lot_update, member_from_item, member_to_item
from .models import SHARDS, ClaimItem, CounterItem, LedgerItem, MemberItem
from .packing import pack_json, unpack_json


def get_member(member_id: str) -> MemberState | None:
    try:
        return member_from_item(MemberItem.get(member_id, consistent_read=True))
    except DoesNotExist:
        return None


def members_of(member_ids: Iterable[str]) -> Iterator[MemberState]:
    """Members by id, a BatchGetItem per 100 (eventually consistent: for reads that write nothing)."""
    for item in MemberItem.batch_get(member_ids):
        yield member_from_item(item)


def member_id_by_referral_code(code: str) -> str | None:
    for item in MemberItem.by_referral_code.query(code, limit=1):
        return str(item.member_id)
    return None


def get_entry(member_id: str, key: str) -> LedgerEntry | None:
    try:
        return entry_from_item(LedgerItem.get(member_id, key, consistent_read=True))
    except DoesNotExist:
        return None


def get_lot(member_id: str, lot_id: str) -> Lot | None:
    """A lot, read from the ledger entry that credited it (the lot's id is the entry's key)."""
    try:
        item = LedgerItem.get(member_id, lot_id, consistent_read=True)
    except DoesNotExist:
        return None
    return None if item.lot is None else lot_from_item(item)


def entries_of(member_id: str) -> Iterator[LedgerEntry]:
    for item in LedgerItem.query(member_id, consistent_read=True):
        yield entry_from_item(item)


def all_member_ids() -> Iterator[str]:
    """Every member: for the audit only, never on a request path."""
    for item in MemberItem.scan(attributes_to_get=["member_id"]):
        yield str(item.member_id)


def _cursor(last: dict[str, Any] | None) -> str | None:
    """The page's end as an opaque token: the time-ordered key of its last entry."""
    if not last:
        return None
    return base64.urlsafe_b64encode(json.dumps([last["posted_at"]["S"], last["entry_key"]["S"]]).encode()).decode()


def _start(member_id: str, cursor: str | None) -> dict[str, Any] | None:
    """Where a page starts; a token that is not one of ours is bad input, never a storage error."""
    if cursor is None:
        return None
    refused = InvalidRequest(ErrorCode.INVALID_REQUEST, "cursor: not a cursor of this history")
    try:
        posted_at, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise refused from None
    if not (isinstance(posted_at, str) and isinstance(key, str) and 0 < len(posted_at + key) < 512):
        raise refused
    return {"member_id": {"S": member_id}, "entry_key": {"S": key}, "posted_at": {"S": posted_at}}


def history(member_id: str, limit: int, cursor: str | None) -> tuple[list[LedgerEntry], str | None]:
    result = LedgerItem.by_time.query(member_id, scan_index_forward=False, limit=limit,
                                      last_evaluated_key=_start(member_id, cursor))
    items = [entry_from_item(i) for i in result]
    return items, _cursor(result.last_evaluated_key)


def ledger_and_lots(member_id: str, page_size: int = 500) -> tuple[list[LedgerEntry], list[Lot]]:
    """The member's whole ledger in time order and the lots its entries hold, from one read of its partition, a
    page at a time (consistent: the index is local, and projects the whole item)."""
    entries, lots = [], []
    for item in LedgerItem.by_time.query(member_id, scan_index_forward=True, consistent_read=True,
                                         page_size=page_size):
        entries.append(entry_from_item(item))
        if item.lot is not None:
            lots.append(lot_from_item(item))
    return entries, lots


def rewrite_answers(member_id: str, rewrite: Callable[[Any], Any]) -> int:
    """Rewrite the stored answer of each of the member's ledger entries that `rewrite` changes (an erasure): one
    conditional update of that attribute alone per entry, its points untouched. A second run changes nothing."""
    changed = 0
    for item in LedgerItem.query(member_id, consistent_read=True,
                                 attributes_to_get=["member_id", "entry_key", "answer"]):
        if item.answer is None:
            continue
        stored = unpack_json(item.answer)
        answer = rewrite(stored)
        if answer != stored:
            item.update(actions=[LedgerItem.answer.set(pack_json(answer))], condition=LedgerItem.entry_key.exists())
            changed += 1
    return changed


def due_member_ids(index: str, up_to: date) -> Iterator[str]:
    """Members whose expiry (or review) date has come, from the sparse, keys-only due-date index: never a scan.
    The index is eventually consistent: the caller reads each member consistently before writing."""
    idx = MemberItem.by_expiry_due if index == "expiry" else MemberItem.by_review_due
    cond_attr = MemberItem.expiry_due if index == "expiry" else MemberItem.review_due
    for n in range(SHARDS):
        for item in idx.query(str(n), cond_attr <= up_to.isoformat()):
            yield str(item.member_id)


def member_ids_with_birthday(days: list[str]) -> Iterator[str]:
    """Members whose birthday (MM-DD) is one of `days`, from the sparse, keys-only birthday index: the read grows
    with the day's birthdays, not with the members. The caller reads each member consistently before writing."""
    for n in range(SHARDS):
        for day in days:
            for item in MemberItem.by_birthday.query(str(n), MemberItem.birthday == day):
                yield str(item.member_id)


def due_lots(up_to: date) -> Iterator[Lot]:
    """Pending lots whose hold ends by `up_to`, from the sparse release index (which projects the lot)."""
    for n in range(SHARDS):
        for item in LedgerItem.by_release_due.query(str(n), LedgerItem.release_due <= up_to.isoformat()):
            yield lot_from_item(item)


def claim_holder(key: str) -> str | None:
    """The member holding a claim (a receipt), or None."""
    try:
        return str(ClaimItem.get(key, consistent_read=True).member_id)
    except DoesNotExist:
        return None


def _budget_key(promotion_id: str, slice_: int) -> str:
    return f"budget#{promotion_id}#{slice_}"


def budget_drawn(promotion_id: str, slices: int) -> list[int]:
    """Points drawn on each slice of a promotion's budget (for the simulation and the audit, not for accruals)."""
    keys = [_budget_key(promotion_id, k) for k in range(slices)]
    found = {item.pk: int(item.value or 0) for item in CounterItem.batch_get(keys)}
    return [found.get(key, 0) for key in keys]


MAX_ITEMS = 100  # DynamoDB's limit on the items of one transaction


def items_of(posting: Posting) -> int:
    """The items a posting writes (its share of a transaction's 100); a new lot rides on its entry's item."""
    return (len(posting.members) + len(posting.entries) + len(posting.updated_lots) + len(posting.stock)
            + len(posting.claims) + len(posting.budget))


def commit(posting: Posting) -> None:
    """Write a posting as one DynamoDB transaction (at most 100 items) or not at all. Its events and figures ride on
    the first member item (the outbox): they are published, and counted by the analytics, from the stream if and only
    if the write happened."""
    commit_together([posting])


def commit_together(postings: list[Posting]) -> None:
    """Write postings of different members (an import's) as one transaction: all of them or none. Each keeps its
    own conditions, outbox and figures, so one that cannot apply cancels the whole and nothing is written."""
    puts: list[tuple[str, Any]] = []
    with_version: list[tuple[MemberState, MemberItem]] = []
    try:
        with TransactWrite(connection=clients().dynamodb) as tx:
            for posting in postings:
                _stage(tx, posting, puts, with_version)
    except TransactWriteError as err:
        _raise_for(err, puts)
        raise
    for member, item in with_version:
        member.version = item.version


def _stage(tx: TransactWrite, posting: Posting, puts: list[tuple[str, Any]],
           with_version: list[tuple[MemberState, MemberItem]]) -> None:
    """A posting's writes, each with its condition, added to a transaction (`puts` names them in order)."""
    if (posting.events or posting.stats) and not posting.members:
        raise ValueError("a posting with events or figures must write a member item to carry them")
    outbox = to_outbox(posting.events)
    figures = WriteFigures.of(posting)
    carried = figures.model_dump_json() if figures else None
    for n, member in enumerate(posting.members):
        item = member_to_item(member, *((outbox, carried) if n == 0 else (None, None)))
        tx.save(item)
        puts.append(("member", member))
        with_version.append((member, item))
    lots = {(lot.member_id, lot.lot_id): lot for lot in posting.new_lots}
    for entry in posting.entries:
        tx.save(entry_to_item(entry, lots.pop((entry.member_id, entry.key), None)),
                condition=LedgerItem.entry_key.does_not_exist())
        puts.append(("entry", entry))
    if lots:
        raise ValueError(f"a new lot is stored on the entry that credits it, with its key: {sorted(lots)}")
    for lot in posting.updated_lots:
        _stage_lot_update(tx, lot)
        puts.append(("lot", lot))
    for change in posting.stock:
        counter = CounterItem(f"stock#{change.reward_id}")
        tx.update(counter, [CounterItem.value.add(change.quantity)], condition=_within(change.quantity, change.limit))
        puts.append(("stock", change))
    for claim in posting.claims:
        tx.save(ClaimItem(claim.key, member_id=claim.member_id, reference=claim.reference),
                condition=ClaimItem.pk.does_not_exist())
        puts.append(("claim", claim))
    for draw in posting.budget:
        counter = CounterItem(_budget_key(draw.promotion_id, draw.slice))
        tx.update(counter, [CounterItem.value.add(draw.points)], condition=_within(draw.points, draw.limit))
        puts.append(("budget", draw))


def _stage_lot_update(tx: TransactWrite, lot: Lot) -> None:
    """A lot's new state on its entry's item, if the lot is still the version that was read."""
    tx.update(LedgerItem(lot.member_id, lot.lot_id), lot_update(lot), condition=LedgerItem.lot_version == lot.version)


def _within(delta: int, limit: int | None) -> Condition | None:
    """A counter of what was handed out (stock units, budget points) never exceeds its limit: the counter after
    this change stays within it (a first draw, before the counter exists, included). What is given back needs no
    condition."""
    if delta <= 0 or limit is None:
        return None
    within = CounterItem.value <= limit - delta
    return within | CounterItem.value.does_not_exist() if delta <= limit else within


def _raise_for(err: TransactWriteError, puts: list[tuple[str, Any]]) -> None:
    reasons = err.cancellation_reasons or []
    for (kind, record), reason in zip(puts, reasons, strict=False):
        if reason is None or reason.code != "ConditionalCheckFailed":
            continue
        if kind == "entry":
            raise KeyAlreadyUsed(record.member_id, record.key) from err
        if kind == "claim":
            raise BusinessRuleRefused(record.taken, record.message) from err
        if kind == "stock":
            raise BusinessRuleRefused(ErrorCode.OUT_OF_STOCK, f"{record.reward_id} is out of stock") from err
        if kind == "budget":
            raise BudgetShort(record) from err
    retry_codes = ("ConditionalCheckFailed", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")
    if any(r is not None and r.code in retry_codes for r in reasons):
        raise ConcurrentChange() from err
    if err.cause_response_code in ("TransactionConflictException", "ThrottlingException",
                                   "ProvisionedThroughputExceededException", "TransactionInProgressException"):
        raise ConcurrentChange() from err
