"""BI exports: the job is created by the API (or the daily schedule) and run by ExportFunction, a page per step.
A run stops before the time limit and asks, through the bus, to be continued; each step is recorded by a
conditional write, so a retried or duplicated invocation adds no line and counts none twice."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from ..answers import ExportAccepted, ExportStatus, LedgerRow, MemberRow
from ..domain import export_jobs as rules
from ..domain.errors import ErrorCode, NotFound
from ..domain.export_jobs import ExportJob, Kind, Part
from ..domain.timeutil import iso
from ..events import ExportRequested
from ..platform import bus
from ..platform.observability import logger
from ..platform.program_source import current_program
from ..storage import export_files, export_store
from ..storage.export_store import ledger_page, members_page

PAGE_ITEMS = 1000  # items of one Scan request
LINES_PER_PART = 20_000  # a step reads pages until its part has this many lines (or the table ends, or time is short)
MARGIN_MS = 60_000  # a run stops when less is left (a page, then joining the parts, must fit)
ATTEMPTS = 3  # failed invocations of a run before the job is marked failed (retries continue where it stopped)
DAILY_RESTART_AFTER = timedelta(hours=2)  # a daily job still running this long after it started is started again
TimeLeft = Callable[[], int]  # milliseconds


def _new_run() -> str:
    return uuid.uuid4().hex[:12]


def start(kind: Kind, from_day: date | None, to_day: date | None, now: datetime) -> ExportAccepted:
    """Create the job (a new id, written only if it does not exist) and hand it to ExportFunction."""
    job = rules.on_demand(uuid.uuid4().hex, kind, from_day, to_day, _new_run(), now)
    if not export_store.create(job):
        raise RuntimeError(f"export id {job.export_id} taken")  # a random 128-bit id: never in practice
    try:
        bus.publish([ExportRequested(export_id=job.export_id, run=job.run)])
    except bus.EventsNotPublished:
        export_store.finish(job, "failed")  # nobody would run it: never left "running"
        raise
    return ExportAccepted(export_id=job.export_id)


def status(export_id: str) -> ExportStatus:
    job = export_store.get(export_id)
    if job is None:
        raise NotFound(ErrorCode.EXPORT_NOT_FOUND, f"no export {export_id}")
    url = export_files.url(job.object_key) if job.status == "done" else None
    return ExportStatus(export_id=job.export_id, kind=job.kind, status=job.status, rows=job.rows, url=url)


Cursor = dict[str, Any] | None


def _page(job: ExportJob, cursor: Cursor) -> tuple[list[str], Cursor]:
    """The lines of the page at `cursor`, and where the page after it starts (None: the table ends)."""
    if job.kind == "ledger":
        low, high = rules.ledger_window(job.from_day, job.to_day)
        entries, after = ledger_page(cursor, PAGE_ITEMS, low, high)
        return [LedgerRow.of(e).model_dump_json() for e in entries], after
    members, after = members_page(cursor, PAGE_ITEMS)
    program, today = current_program(), job.started_at.date()  # a snapshot as of the day it was asked for
    return [MemberRow.of(m.view(program, today), iso(m.enrolled_at)).model_dump_json() for m in members], after


def _lines(job: ExportJob, time_left: TimeLeft, margin_ms: int) -> tuple[list[str], Cursor]:
    """The lines of a step: pages from the job's cursor until a part's worth, the table's end or short time."""
    lines, cursor = _page(job, job.cursor)
    while cursor is not None and len(lines) < LINES_PER_PART and time_left() >= margin_ms:
        more, cursor = _page(job, cursor)
        lines += more
    return lines, cursor


def _step(job: ExportJob, time_left: TimeLeft, margin_ms: int) -> ExportJob | None:
    """Read a step's pages, write its part, record the step; None if another invocation recorded it first."""
    lines, cursor = _lines(job, time_left, margin_ms)
    part = Part(job.part_key(uuid.uuid4().hex[:12]), len(lines)) if lines else None
    if part:
        export_files.put_part(part.key, export_files.gzipped(lines))
    after = job.advanced(part, cursor)
    if export_store.advance(job, after):
        return after
    if part:
        export_files.delete([part.key])  # the step that won has its own part
    return None


def _finish(job: ExportJob) -> None:
    """Join the parts into the export (the same bytes however often this runs), then mark it done."""
    export_files.join([p.key for p in job.parts], job.object_key)
    if export_store.finish(job, "done"):
        export_files.delete([p.key for p in job.parts])


def run(export_id: str, run_id: str, time_left: TimeLeft, margin_ms: int = MARGIN_MS) -> ExportJob | None:
    """Carry the job on from the step its item records, until it is done or time is short (then ask for a
    continuation). An event of another run, of a finished job or of a step already taken does nothing."""
    job = export_store.get(export_id)
    if job is None or job.run != run_id or job.status != "running":
        return job
    try:
        while True:
            if time_left() < margin_ms:
                bus.publish([ExportRequested(export_id=export_id, run=run_id)])
                return job
            if job.scanned:
                _finish(job)
                return export_store.get(export_id)
            advanced = _step(job, time_left, margin_ms)
            if advanced is None:
                return export_store.get(export_id)  # another invocation is at this job: it carries on
            job = advanced
    except Exception:
        logger.exception("export step failed", extra={"export_id": export_id, "step": job.step})
        if export_store.record_failure(job) < ATTEMPTS:
            raise  # retried by Lambda (asynchronous invocation) or the schedule: it carries on from the step
        export_store.finish(job, "failed")
        return export_store.get(export_id)


def run_daily(fired_at: datetime, now: datetime, time_left: TimeLeft) -> list[ExportJob | None]:
    """The day before `fired_at`: its ledger entries, and the members. A job of that day that is done (or
    stalled) starts again and writes the same objects; one still running is carried on (a retried schedule)."""
    done = []
    for job in rules.daily(fired_at, _new_run()):
        if not export_store.create(job, restart_before=now - DAILY_RESTART_AFTER):
            job = export_store.get(job.export_id) or job
        done.append(run(job.export_id, job.run, time_left))
    return done
