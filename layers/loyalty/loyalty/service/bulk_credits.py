"""Bulk credits: the POST sends the work to the queue and writes the job; the queue's worker credits each member
through the adjustment credit and records its outcome; the GET reads the job's counters.

The POST writes the job, then sends its messages, then marks it queued: a worker never sees a message before its
job, and a POST that failed in between is completed by its replay (the client's retry of a 5xx or a timeout),
which sends the messages again. Each message names the job's fingerprint, which the worker checks against the
job's."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..answers import AdjustmentAnswer, BulkCredit
from ..domain import bulk_credit
from ..domain.bulk_credit import BulkCreditCommand, BulkCreditJob, Outcome
from ..domain.errors import BusinessRuleRefused, ErrorCode, NotFound, idempotency_mismatch
from ..domain.ledger import Posting, entry_key
from ..platform import work_queue
from ..platform.observability import logger, metrics
from ..platform.program_source import current_program
from ..storage import bulk_store
from ..storage.conflicts import ConcurrentChange
from . import execution
from .common import member_or_404
from .execution import MAX_ATTEMPTS, execute, fingerprint

PAGE = 500  # members a segment page scans
SAFETY_MS = 30_000  # a page is not started with less time left: its continuation goes to the queue instead


class JobNotWritten(Exception):
    """A message came before its job was written (or the POST that sent it crashed): received again later, and
    dead-lettered if the job never comes."""


def answer(job: BulkCreditJob) -> BulkCredit:
    return BulkCredit(credit_id=job.credit_id, status=job.status, credited=job.credited, skipped=job.skipped,
                      members=job.members, points=job.points, reason=job.reason, segment=job.segment)


def start(cmd: BulkCreditCommand, now: datetime) -> BulkCredit:
    sent = fingerprint(cmd)
    job = bulk_store.get_job(cmd.credit_id)
    if job is None:
        job = bulk_credit.new_job(cmd, sent, now)
        if not bulk_store.create_job(job):  # a concurrent POST of the same credit id wrote it first
            job = bulk_store.get_job(cmd.credit_id)
            assert job is not None
    if job.fingerprint != sent:
        raise idempotency_mismatch(cmd.credit_id)
    if not job.queued:  # new, or its POST failed before the queue took every message: (again) now
        _enqueue(job, cmd)
        bulk_store.mark_queued(job.credit_id)
        job.queued = True
    return answer(job)


def _enqueue(job: BulkCreditJob, cmd: BulkCreditCommand) -> None:
    """The job's first messages: its listed members in chunks, or the segment's first page. Sent again by a replay
    of a POST that failed half-way, which the outcomes and the kept pages make harmless."""
    if cmd.segment is not None:
        work_queue.send([_page_message(job, 0, None)])
    else:
        work_queue.send([_chunk_message(job, ids) for ids in bulk_credit.chunks(bulk_credit.audience(cmd))])


def status(credit_id: str) -> BulkCredit:
    job = bulk_store.get_job(credit_id)
    if job is None:
        raise NotFound(ErrorCode.BULK_CREDIT_NOT_FOUND, f"no bulk credit {credit_id}")
    return answer(job)


def _chunk_message(job: BulkCreditJob, member_ids: list[str]) -> dict[str, Any]:
    return {"kind": "members", "credit_id": job.credit_id, "fingerprint": job.fingerprint, "member_ids": member_ids}


def _page_message(job: BulkCreditJob, page: int, start_after: str | None) -> dict[str, Any]:
    return {"kind": "segment", "credit_id": job.credit_id, "fingerprint": job.fingerprint, "page": page,
            "start": start_after}


def _job_of(credit_id: str, sent: str) -> BulkCreditJob | None:
    job = bulk_store.get_job(credit_id)
    if job is None:
        raise JobNotWritten(credit_id)
    if job.fingerprint != sent:
        logger.warning("message of another body of this credit id: dropped", extra={"credit_id": credit_id})
        return None
    return job


# -- the worker ---------------------------------------------------------------------------------------------------
def credit_members(credit_id: str, sent: str, member_ids: list[str], now: datetime) -> None:
    """Credit each member without an outcome yet, then record its outcome. A crash in between replays the credit
    on the next delivery (the ledger entry's key), and only then is the outcome written and counted."""
    job = _job_of(credit_id, sent)
    if job is None:
        return
    done = bulk_store.recorded(credit_id, member_ids)
    for member_id in member_ids:
        if member_id not in done:
            _record(credit_id, member_id, _credit(job, member_id, now))


def _credit(job: BulkCreditJob, member_id: str, now: datetime) -> Outcome:
    cmd = bulk_credit.adjustment(job)

    def build() -> Posting:
        return bulk_credit.credit(current_program(), member_or_404(member_id), job, now)

    try:
        execute(member_id, entry_key("adjustment", cmd.adjustment_id), cmd, build, AdjustmentAnswer)
    except (NotFound, BusinessRuleRefused) as refused:  # unknown, blocked, or the key used by another body
        logger.info("member skipped", extra={"credit_id": job.credit_id, "member_id": member_id,
                                              "code": refused.code})
        return "skipped"
    return "credited"


def _record(credit_id: str, member_id: str, outcome: Outcome) -> None:
    for attempt in range(MAX_ATTEMPTS):
        try:
            if bulk_store.record_outcome(credit_id, member_id, outcome):
                metrics.add_metric(name="BulkCreditCredited" if outcome == "credited" else "BulkCreditSkipped",
                                   unit="Count", value=1)
            return
        except ConcurrentChange:  # another member's outcome on the job's counters at the same moment
            execution.backoff(attempt)
    raise ConcurrentChange()


def expand_segment(credit_id: str, sent: str, page: int, start_after: str | None,
                   remaining_ms: Callable[[], int]) -> None:
    """Find the segment's members page by page, sending each page's members to be credited, while the function
    has time; then send the next page to the queue. A page is kept when first read, so a retry sends and counts
    the same members."""
    job = _job_of(credit_id, sent)
    if job is None or job.segment is None:
        return
    while True:
        members, following = _page(job, page, start_after)
        work_queue.send([_chunk_message(job, ids) for ids in bulk_credit.chunks(members)])
        if following is None:
            return
        page, start_after = page + 1, following
        if remaining_ms() < SAFETY_MS:
            work_queue.send([_page_message(job, page, start_after)])
            return


def _page(job: BulkCreditJob, page: int, start_after: str | None) -> tuple[list[str], str | None]:
    kept = bulk_store.get_page(job.credit_id, page)
    if kept is not None:
        return kept
    assert job.segment is not None
    scanned, following = bulk_store.members_page(start_after, PAGE)
    members = [m for m, segments in scanned if bulk_credit.in_segment(segments, job.segment)]
    if bulk_store.record_page(job.credit_id, page, members, following):
        return members, following
    kept = bulk_store.get_page(job.credit_id, page)  # a concurrent delivery of this page recorded it first
    assert kept is not None
    return kept
