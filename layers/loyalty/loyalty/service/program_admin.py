"""Program administration: the document in force and its revision, a change as one conditional write, the list of
revisions. A document is validated whole before anything is written, so an invalid one changes nothing.

A new deployment stores nothing: its readers use the program the layer ships, and the first of these operations
stores that program as revision 1 (`seed`; the local run seeds at start)."""
from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime
from typing import Any

from ..answers import ProgramAtRevision, ProgramRevision, RevisionsPage
from ..domain.errors import BusinessRuleRefused, ErrorCode, InvalidProgram, InvalidRequest, Throttled
from ..domain.program import Program, held_tiers, removed_tiers, summarize, validate
from ..domain.timeutil import iso
from ..platform import program_source
from ..storage import analytics_store, program_store
from ..storage.conflicts import ConcurrentChange
from ..storage.program_store import DocumentTooLarge, Revision, RevisionTaken
from .execution import MAX_ATTEMPTS, backoff

SEED_AUTHOR = "seed"
MAX_AUTHOR = 256  # characters of a token's sub kept as `changed_by`


def current(now: datetime) -> ProgramAtRevision:
    revision = _head_or_seed(now)
    program = program_source.at_revision(revision)
    program_source.installed(revision, program)  # this container is now as fresh as the store
    return ProgramAtRevision(program=program, revision=revision)


def edit(document: dict[str, Any], revision: int, author: str, now: datetime) -> ProgramAtRevision:
    """Make `document` the next revision after `revision`, if that is still the one in force."""
    program = validate(document)
    head = _head_or_seed(now)
    if head != revision:
        raise revision_conflict(revision, head)
    before = program_source.at_revision(revision)
    removed = removed_tiers(before, program)
    if removed:  # members counted per tier (the analytics) say whether anyone holds them
        counted = analytics_store.tier_members()
        held = held_tiers({name: counted.get(name, 0) for name in removed})
        if held:
            raise InvalidProgram(held)
    return _commit(program, revision, before, author, now)


def install(document: dict[str, Any], author: str, now: datetime) -> int:
    """Store `document` as the next revision, whichever is in force (a set-up step of tests and scripts, never a
    route): the revision written."""
    program = validate(document)
    head = program_store.head(consistent=True)
    return _commit(program, head, program_source.at_revision(head) if head else None, author, now).revision


def seed(document: dict[str, Any], now: datetime) -> int:
    """Store `document` as revision 1 unless a revision is stored already; the revision in force after."""
    with suppress(BusinessRuleRefused):  # REVISION_CONFLICT: a first revision is stored already
        _commit(validate(document), 0, None, SEED_AUTHOR, now)
    return program_store.head(consistent=True)


def revisions(limit: int, cursor: str | None, now: datetime) -> RevisionsPage:
    newest = _head_or_seed(now)
    start = newest if cursor is None else _start(cursor, newest)
    items = [ProgramRevision(revision=r.revision, changed_at=r.changed_at, changed_by=r.changed_by, summary=r.summary)
             for r in program_store.revisions(start, limit)]
    return RevisionsPage(items=items, next_cursor=str(start - limit) if start > limit else None)


def revision_conflict(edited: int, head: int | None = None) -> BusinessRuleRefused:
    now_at = f"; revision {head} is in force" if head is not None else ""
    return BusinessRuleRefused(ErrorCode.REVISION_CONFLICT,
                               f"revision {edited} is not the one in force{now_at}: read the program again and edit that")


def _head_or_seed(now: datetime) -> int:
    head = program_store.head(consistent=True)
    return head if head else seed(json.loads(program_source.shipped_document()), now)


def _commit(program: Program, edited: int, before: Program | None, author: str, now: datetime) -> ProgramAtRevision:
    """Write `program` as the revision after `edited` (0: the first; `before` is its program), or REVISION_CONFLICT
    if another was first."""
    try:
        packed = program_store.compress(program.model_dump_json(exclude_unset=True))  # as sent, defaults left out
    except DocumentTooLarge as err:
        raise InvalidProgram([("", f"the document is too large for the store: {err}")]) from None
    info = Revision(edited + 1, iso(now), author[:MAX_AUTHOR], summarize(before, program))
    for attempt in range(MAX_ATTEMPTS):
        try:
            program_store.write(edited, info, packed)
        except RevisionTaken:
            raise revision_conflict(edited) from None
        except ConcurrentChange:
            backoff(attempt)
            continue
        program_source.installed(info.revision, program)
        return ProgramAtRevision(program=program, revision=info.revision)
    raise Throttled(ErrorCode.THROTTLED, "the program store is busy; retry later")


def _start(cursor: str, newest: int) -> int:
    if not (cursor.isascii() and cursor.isdigit() and 1 <= int(cursor) <= newest):
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, "cursor: not a cursor of these revisions")
    return int(cursor)
