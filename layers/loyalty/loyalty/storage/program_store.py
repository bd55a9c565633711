"""Where the program document lives: two kinds of item in the Program table (beside the stock and stats counters).

- `program`, the head: the revision in force, and nothing else, so that a reader's check of it stays one small read;
- `program#<n>`, one per revision, never changed once written: the document as JSON, zlib-compressed in a binary
  attribute (DynamoDB holds 400 KB an item), who wrote it, when, and a one-line summary of the change.

A new revision is one conditional transaction: the head still at the revision edited (none yet for the first) and
the revision item new, so of two writers of the same revision exactly one wins. Revisions are numbered 1, 2, 3...
without gaps, so a page of them is one BatchGetItem of known keys: no scan, no index."""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform.clients import clients
from .conflicts import ConcurrentChange
from .models import ProgramHeadItem, ProgramRevisionItem

HEAD = "program"
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's limit for one item
MAX_DOCUMENT_BYTES = MAX_ITEM_BYTES - 4 * 1024  # room for the key, who, when and the summary
RETRY_CODES = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
RETRY_RESPONSES = {"TransactionConflictException", "ThrottlingException", "ProvisionedThroughputExceededException",
                   "TransactionInProgressException"}
INFO = ["pk", "revision", "changed_at", "changed_by", "summary"]  # what a listing reads of a revision item


@dataclass(frozen=True)
class Revision:
    revision: int
    changed_at: str
    changed_by: str
    summary: str


@dataclass(frozen=True)
class StoredProgram:
    info: Revision
    document: str  # JSON


class RevisionTaken(Exception):
    """The head is no longer at the revision edited: another change was written first."""


class DocumentTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"compressed to {size} bytes; the store holds at most {MAX_DOCUMENT_BYTES}")
        self.size = size


def _key(revision: int) -> str:
    return f"{HEAD}#{revision}"


def head(consistent: bool = False) -> int:
    """The revision in force; 0 when none was ever written (a new deployment)."""
    try:
        return int(ProgramHeadItem.get(HEAD, consistent_read=consistent).revision)
    except DoesNotExist:
        return 0


def read(revision: int) -> StoredProgram | None:
    """A revision and its document (a consistent read: the head may name a revision written a moment ago)."""
    try:
        item = ProgramRevisionItem.get(_key(revision), consistent_read=True)
    except DoesNotExist:
        return None
    return StoredProgram(_info(item), zlib.decompress(item.document).decode("utf-8"))


def compress(document: str) -> bytes:
    """The document as stored; DocumentTooLarge when even compressed it would not fit in an item."""
    packed = zlib.compress(document.encode("utf-8"), 9)
    if len(packed) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(len(packed))
    return packed


def write(edited: int, info: Revision, packed: bytes) -> None:
    """Write revision `info.revision` (= edited + 1) over `edited` (0: the first): RevisionTaken if the head moved,
    ConcurrentChange if another transaction held the items (try again)."""
    assert info.revision == edited + 1, (edited, info.revision)
    moved_on = ProgramHeadItem.pk.does_not_exist() if edited == 0 else ProgramHeadItem.revision == edited
    try:
        with TransactWrite(connection=clients().dynamodb) as tx:
            tx.save(ProgramHeadItem(HEAD, revision=info.revision), condition=moved_on)
            tx.save(ProgramRevisionItem(_key(info.revision), revision=info.revision, document=packed,
                                        changed_at=info.changed_at, changed_by=info.changed_by, summary=info.summary),
                    condition=ProgramRevisionItem.pk.does_not_exist())
    except TransactWriteError as err:
        codes = {reason.code for reason in err.cancellation_reasons or [] if reason is not None}
        if "ConditionalCheckFailed" in codes:
            raise RevisionTaken(f"revision {edited} is no longer the current one") from err
        if codes & RETRY_CODES or err.cause_response_code in RETRY_RESPONSES:
            raise ConcurrentChange() from err
        raise


def revisions(newest: int, limit: int) -> list[Revision]:
    """Revisions `newest`, `newest - 1`, ... (at most `limit`, none below 1), newest first, without documents."""
    keys = [_key(n) for n in range(newest, max(0, newest - limit), -1)]
    found = [_info(item) for item in ProgramRevisionItem.batch_get(keys, consistent_read=True, attributes_to_get=INFO)]
    return sorted(found, key=lambda r: r.revision, reverse=True)


def _info(item: ProgramRevisionItem) -> Revision:
    return Revision(int(item.revision), item.changed_at, item.changed_by, item.summary)
