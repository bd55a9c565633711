"""Bulk credit jobs in the program table: the job (`bulk#<credit_id>`), one outcome per member
(`bulk#<credit_id>#<member_id>`) and one item per segment page read (`bulk#<credit_id>#page#<n>`; a member id has
no `#`, so the two never meet).

A job's counters only move in the transaction that writes the outcome or the page they count, on condition that
it does not exist yet: a redelivered message, a retried batch or a crash between the credit and its outcome can
write an outcome once, so it counts once."""
from __future__ import annotations

from datetime import UTC
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.bulk_credit import BulkCreditJob, Outcome
from ..platform.clients import clients
from ..platform.settings import settings
from .conflicts import ConcurrentChange
from .models import MemberItem, table_meta
from .packing import unpack_state

_ENV = settings()


class _ProgramTable(Model):
    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)


class BulkJobItem(_ProgramTable):
    fingerprint = UnicodeAttribute()
    points = NumberAttribute()
    reason = UnicodeAttribute()
    segment = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    members = NumberAttribute(default=0)
    expanded = BooleanAttribute(default=False)
    queued = BooleanAttribute(default=False)
    credited = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)


class BulkOutcomeItem(_ProgramTable):
    outcome = UnicodeAttribute()


class BulkPageItem(_ProgramTable):
    """The members a page of the segment held when it was first read, and where the next starts: a retry reads
    this, never the table again, so a page is counted and sent with the same members whatever changed since."""

    member_ids = ListAttribute(of=UnicodeAttribute, default=list)
    next_start = UnicodeAttribute(null=True)


def _job_key(credit_id: str) -> str:
    return f"bulk#{credit_id}"


def _conflict(err: TransactWriteError) -> bool:
    """Whether the transaction failed only because the item it may not overwrite exists (its first operation)."""
    reasons = err.cancellation_reasons or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"


def get_job(credit_id: str) -> BulkCreditJob | None:
    try:
        item = BulkJobItem.get(_job_key(credit_id), consistent_read=True)
    except DoesNotExist:
        return None
    return BulkCreditJob(credit_id, item.fingerprint, int(item.points), item.reason, item.segment,
                         item.created_at.astimezone(UTC), members=int(item.members or 0),
                         expanded=bool(item.expanded), queued=bool(item.queued), credited=int(item.credited or 0),
                         skipped=int(item.skipped or 0))


def create_job(job: BulkCreditJob) -> bool:
    """Write a new job; False if its credit id is taken already."""
    item = BulkJobItem(_job_key(job.credit_id), fingerprint=job.fingerprint, points=job.points, reason=job.reason,
                       segment=job.segment, created_at=job.created_at, members=job.members, expanded=job.expanded,
                       credited=0, skipped=0)
    try:
        item.save(condition=BulkJobItem.pk.does_not_exist())
    except PutError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def mark_queued(credit_id: str) -> None:
    BulkJobItem(_job_key(credit_id)).update([BulkJobItem.queued.set(True)], condition=BulkJobItem.pk.exists())


def recorded(credit_id: str, member_ids: list[str]) -> set[str]:
    """The members of this list that have an outcome already (one BatchGetItem per 100)."""
    keys = [f"{_job_key(credit_id)}#{m}" for m in member_ids]
    prefix = len(_job_key(credit_id)) + 1
    return {item.pk[prefix:] for item in BulkOutcomeItem.batch_get(keys, consistent_read=True)}


def outcomes(credit_id: str, member_ids: list[str]) -> dict[str, str | None]:
    """Each member's outcome (None: none yet), for the audit."""
    keys = [f"{_job_key(credit_id)}#{m}" for m in member_ids]
    prefix = len(_job_key(credit_id)) + 1
    found = {item.pk[prefix:]: str(item.outcome) for item in BulkOutcomeItem.batch_get(keys, consistent_read=True)}
    return {m: found.get(m) for m in member_ids}


def record_outcome(credit_id: str, member_id: str, outcome: Outcome) -> bool:
    """Write the member's outcome and count it, once: False if it had one already. ConcurrentChange when the
    transaction collided with another on the job (retry)."""
    counter = BulkJobItem.credited if outcome == "credited" else BulkJobItem.skipped
    try:
        with TransactWrite(connection=clients().dynamodb) as tx:
            tx.save(BulkOutcomeItem(f"{_job_key(credit_id)}#{member_id}", outcome=outcome),
                    condition=BulkOutcomeItem.pk.does_not_exist())
            tx.update(BulkJobItem(_job_key(credit_id)), [counter.add(1)], condition=BulkJobItem.pk.exists())
    except TransactWriteError as err:
        if _conflict(err):
            return False
        raise ConcurrentChange() from err
    return True


def get_page(credit_id: str, page: int) -> tuple[list[str], str | None] | None:
    """(members, next start) of a segment page read before; None if it was not."""
    try:
        item = BulkPageItem.get(f"{_job_key(credit_id)}#page#{page}", consistent_read=True)
    except DoesNotExist:
        return None
    return [str(m) for m in item.member_ids or []], item.next_start


def record_page(credit_id: str, page: int, member_ids: list[str], next_start: str | None) -> bool:
    """Keep a page's members and count them into the job (the last page marks it expanded), once: False if the
    page was recorded already."""
    actions: list[Any] = [BulkJobItem.members.add(len(member_ids))]
    if next_start is None:
        actions.append(BulkJobItem.expanded.set(True))
    try:
        with TransactWrite(connection=clients().dynamodb) as tx:
            tx.save(BulkPageItem(f"{_job_key(credit_id)}#page#{page}", member_ids=member_ids, next_start=next_start),
                    condition=BulkPageItem.pk.does_not_exist())
            tx.update(BulkJobItem(_job_key(credit_id)), actions, condition=BulkJobItem.pk.exists())
    except TransactWriteError as err:
        if _conflict(err):
            return False
        raise ConcurrentChange() from err
    return True


def members_page(start: str | None, size: int) -> tuple[list[tuple[str, list[str]]], str | None]:
    """A page of the Members table's scan: (member id, segments) of up to `size` members and where the next page
    starts (None: this was the last). For the bulk credit worker only, never on a request path."""
    last = {"member_id": {"S": start}} if start else None
    result = MemberItem.scan(limit=size, page_size=size, last_evaluated_key=last,
                             attributes_to_get=["member_id", "packed"])
    found = [(str(item.member_id), list(unpack_state(item.packed).get("segments") or [])) for item in result]
    following = result.last_evaluated_key
    return found, str(following["member_id"]["S"]) if following else None
