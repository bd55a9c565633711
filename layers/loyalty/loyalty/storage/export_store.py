"""Export jobs (`export#<id>` items of the Program table) and the pages an export reads.

Every change of a job is conditional on its run, its step and its status: two invocations of the same step
(a retry, a duplicated delivery) cannot both count their page, and a finished job never runs again."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from ..domain.export_jobs import ExportJob, Part, Status
from ..domain.ledger import LedgerEntry
from ..domain.member import MemberState
from ..domain.timeutil import iso
from ..platform.settings import settings
from .mapping import entry_from_item, member_from_item
from .models import LedgerItem, MemberItem, table_meta

_ENV = settings()
# what a ledger line needs: not the stored answer of the entry (most of an item's bytes)
LEDGER_ROW_ATTRIBUTES = ["member_id", "entry_key", "type", "points", "posted_at", "reference"]


class ExportJobItem(Model):
    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)  # export#<export_id>
    kind = UnicodeAttribute()
    run = UnicodeAttribute()
    started_at = UnicodeAttribute()
    object_key = UnicodeAttribute()
    from_day = UnicodeAttribute(null=True)
    to_day = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    step = NumberAttribute()
    rows = NumberAttribute()
    parts: Any = JSONAttribute()  # [[key, rows], ...] in order
    cursor: Any = JSONAttribute(null=True)
    scanned = BooleanAttribute()
    failures = NumberAttribute(default=0)  # invocations of this run that failed


def _pk(export_id: str) -> str:
    return f"export#{export_id}"


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _to_item(job: ExportJob) -> ExportJobItem:
    return ExportJobItem(_pk(job.export_id), kind=job.kind, run=job.run, started_at=iso(job.started_at),
                         object_key=job.object_key, from_day=job.from_day and job.from_day.isoformat(),
                         to_day=job.to_day and job.to_day.isoformat(), status=job.status, step=job.step,
                         rows=job.rows, parts=[[p.key, p.rows] for p in job.parts], cursor=job.cursor,
                         scanned=job.scanned)


def _from_item(item: ExportJobItem) -> ExportJob:
    return ExportJob(item.pk.removeprefix("export#"), item.kind, item.run,  # type: ignore[arg-type]
                     datetime.fromisoformat(item.started_at), item.object_key,
                     _day(item.from_day), _day(item.to_day), item.status, int(item.step),  # type: ignore[arg-type]
                     int(item.rows), [Part(str(k), int(n)) for k, n in item.parts or []], item.cursor,
                     bool(item.scanned))


def _conditional_failure(err: PutError | UpdateError) -> bool:
    return err.cause_response_code == "ConditionalCheckFailedException"


def create(job: ExportJob, restart_before: datetime | None = None) -> bool:
    """Write a new job; False if one with that id exists. With `restart_before`, a job that exists is replaced
    unless it is running and started after that time (a daily re-run starts its day again)."""
    condition: Condition = ExportJobItem.pk.does_not_exist()
    if restart_before is not None:
        condition = condition | (ExportJobItem.status != "running") | (
            ExportJobItem.started_at < iso(restart_before))
    try:
        _to_item(job).save(condition=condition)
    except PutError as err:
        if _conditional_failure(err):
            return False
        raise
    return True


def get(export_id: str) -> ExportJob | None:
    try:
        return _from_item(ExportJobItem.get(_pk(export_id), consistent_read=True))
    except DoesNotExist:
        return None


def _in_step(job: ExportJob) -> Condition:
    same_step: Condition = (ExportJobItem.run == job.run) & (ExportJobItem.step == job.step)
    running: Condition = ExportJobItem.status == "running"
    both: Condition = same_step & running
    return both


def advance(job: ExportJob, after: ExportJob) -> bool:
    """Record the step `job` was at as done (`after`): False if another invocation recorded it first."""
    item = ExportJobItem(_pk(job.export_id))
    try:
        item.update(actions=[ExportJobItem.step.set(after.step), ExportJobItem.rows.set(after.rows),
                             ExportJobItem.parts.set([[p.key, p.rows] for p in after.parts]),
                             ExportJobItem.cursor.set(after.cursor), ExportJobItem.scanned.set(after.scanned)],
                    condition=_in_step(job))
    except UpdateError as err:
        if _conditional_failure(err):
            return False
        raise
    return True


def finish(job: ExportJob, status: Status) -> bool:
    """Mark the job done or failed, if it still is at that run and step."""
    try:
        ExportJobItem(_pk(job.export_id)).update(actions=[ExportJobItem.status.set(status)], condition=_in_step(job))
    except UpdateError as err:
        if _conditional_failure(err):
            return False
        raise
    return True


def record_failure(job: ExportJob) -> int:
    """Count a failed invocation of the job's run: how many there were, or 0 if the run is over."""
    item = ExportJobItem(_pk(job.export_id))
    running: Condition = (ExportJobItem.run == job.run) & (ExportJobItem.status == "running")
    try:
        item.update(actions=[ExportJobItem.failures.add(1)], condition=running)
    except UpdateError as err:
        if _conditional_failure(err):
            return 0
        raise
    return int(item.failures)


def _one_page(model: type[Model], condition: Condition | None, cursor: dict[str, Any] | None, limit: int,
              attributes: list[str] | None = None) -> tuple[list[Any], dict[str, Any] | None]:
    """One Scan request of at most `limit` items from `cursor`, those matching `condition` kept; and where the
    next page starts (None: the table was read to its end). One request, whatever the filter keeps: a step's
    time stays bounded."""
    result = model.scan(condition, page_size=limit, last_evaluated_key=cursor, consistent_read=True,
                        attributes_to_get=attributes)
    page = next(result.page_iter)
    return [model.from_raw_data(raw) for raw in page.get("Items", [])], result.page_iter.last_evaluated_key


def ledger_page(cursor: dict[str, Any] | None, limit: int, low: str | None,
                high: str | None) -> tuple[list[LedgerEntry], dict[str, Any] | None]:
    """A page of the ledger (an export job's read, never a request's): the entries posted within [low, high)."""
    condition: Condition | None = None
    if low is not None:
        condition = LedgerItem.posted_at >= low
    if high is not None:
        condition = (LedgerItem.posted_at < high) if condition is None else condition & (LedgerItem.posted_at < high)
    items, after = _one_page(LedgerItem, condition, cursor, limit, LEDGER_ROW_ATTRIBUTES)
    return [entry_from_item(item) for item in items], after


def members_page(cursor: dict[str, Any] | None, limit: int) -> tuple[list[MemberState], dict[str, Any] | None]:
    items, after = _one_page(MemberItem, None, cursor, limit)
    return [member_from_item(item) for item in items], after
