"""Imports of members with their lots: each member whole or not at all, applied once per import_id + member_id, in
transactions of up to 50 members (two items each) that apply whole or not at all.
A call takes up to 1 000 members; a larger file is uploaded to S3 and read a page of lines at a time, from a
checkpoint that only moves forward from where its page started, within the Lambda time limit."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from ..answers import (
    ImportAnswer,
    ImportCounts,
    ImportRefusal,
    ImportRefusalsPage,
    ImportResult,
    ImportStatus,
    ImportUpload,
    Refusal,
)
from ..domain import imports
from ..domain.errors import BusinessRuleRefused, ErrorCode, InvalidRequest, LoyaltyError, NotFound, idempotency_mismatch
from ..domain.imports import ImportCommand, ImportedMember, ImportRun
from ..domain.ledger import Posting
from ..domain.program import Program
from ..domain.timeutil import iso
from ..events import ImportContinued
from ..platform import bus
from ..platform.program_source import current_program
from ..storage import import_store, repository
from ..storage.conflicts import ConcurrentChange, KeyAlreadyUsed
from ..storage.import_store import FileChanged, Refused
from .execution import MAX_ATTEMPTS, backoff, fingerprint
from .members import new_referral_code

PAGE_LINES = 100  # members applied between two checkpoints
READS = (256 * 1024, 4 * 1024 * 1024)  # bytes read for a page; the larger only when one line needs it
MARGIN_MS = 10_000  # a page of members takes a few seconds on DynamoDB
UPLOAD_URL_SECONDS = 3600
TimeLeft = Callable[[], int]  # milliseconds
LineParser = Callable[[bytes], ImportedMember]  # InvalidRequest for a line that is not a member


def import_members(import_id: str, members: list[ImportedMember], now: datetime) -> ImportAnswer:
    """Every member applies whole or not at all; a tier the program lacks refuses the whole call (422)."""
    program = current_program()
    imports.check_tiers(program, members)
    return ImportAnswer(import_id=import_id, results=apply_all(program, [ImportCommand(import_id, m) for m in members],
                                                               now))


def _refused(member_id: str, err: LoyaltyError) -> ImportResult:
    return ImportResult(member_id=member_id, status="refused", error=Refusal(code=err.code, message=err.message))


def _enrolled(member_id: str) -> ImportResult:
    return _refused(member_id, BusinessRuleRefused(ErrorCode.ALREADY_ENROLLED, f"{member_id} is already enrolled"))


def _imported(cmd: ImportCommand) -> ImportResult:
    return ImportResult(member_id=cmd.member.member_id, status="imported")


def _earlier(cmd: ImportCommand, sent: str) -> ImportResult | None:
    """The result of a key this import already applied to the member (replayed), or None if it did not."""
    member_id = cmd.member.member_id
    entry = repository.get_entry(member_id, imports.import_key(cmd.import_id))
    if entry is None:
        return None
    if entry.fingerprint != sent:
        return _refused(member_id, idempotency_mismatch(f"{cmd.import_id} for {member_id}"))
    return ImportResult(member_id=member_id, status="replayed")


def _posting(program: Program, cmd: ImportCommand, now: datetime) -> Posting | ImportResult:
    """The member's posting, its import entry carrying the request's fingerprint; or the result of a member whose
    lots refuse it (a replay answers as the import did, even once its lots have expired)."""
    sent = fingerprint(cmd)
    try:
        posting = imports.import_member(program, cmd, new_referral_code(), now)
    except BusinessRuleRefused as err:
        return _earlier(cmd, sent) or _refused(cmd.member.member_id, err)
    posting.entries[0].fingerprint = sent
    return posting


def _commit_one(cmd: ImportCommand, posting: Posting) -> ImportResult:
    """No read before the write (an import is mostly new members); a failed condition tells a replay (the import's
    entry exists) from a member enrolled otherwise."""
    member_id, sent = cmd.member.member_id, str(posting.entries[0].fingerprint)
    for attempt in range(MAX_ATTEMPTS):
        try:
            repository.commit(posting)
        except KeyAlreadyUsed:
            return _earlier(cmd, sent) or _enrolled(member_id)
        except ConcurrentChange:
            if repository.get_member(member_id) is not None:  # enrolled, or imported by this import meanwhile
                return _earlier(cmd, sent) or _enrolled(member_id)
            backoff(attempt)  # a transaction conflict: nothing was written
            continue
        return _imported(cmd)
    return _refused(member_id, LoyaltyError(ErrorCode.THROTTLED, "too many concurrent changes; import it again"))


Batch = list[tuple[int, ImportCommand, Posting]]


def apply_all(program: Program, cmds: list[ImportCommand], now: datetime) -> list[ImportResult]:
    """Members in order, as few transactions as fit 100 items, a member at most once in each (a transaction may
    not write an item twice). The results in the order of `cmds`."""
    results: dict[int, ImportResult] = {}
    batch: Batch = []
    for n, cmd in enumerate(cmds):
        prepared = _posting(program, cmd, now)
        if isinstance(prepared, ImportResult):
            results[n] = prepared
            continue
        items = sum(repository.items_of(p) for _, _, p in batch) + repository.items_of(prepared)
        if items > repository.MAX_ITEMS or cmd.member.member_id in {c.member.member_id for _, c, _ in batch}:
            results.update(_commit_batch(batch))
            batch = []
        batch.append((n, cmd, prepared))
    results.update(_commit_batch(batch))
    return [results[n] for n in range(len(cmds))]


def _commit_batch(batch: Batch) -> dict[int, ImportResult]:
    """A batch applies whole; one that cannot (a member enrolled already, a replay, a collision) wrote nothing,
    and its members are applied one by one, each telling what became of it."""
    if not batch:
        return {}
    try:
        repository.commit_together([posting for _, _, posting in batch])
    except (KeyAlreadyUsed, ConcurrentChange):
        return {n: _commit_one(cmd, posting) for n, cmd, posting in batch}
    return {n: _imported(cmd) for n, cmd, _ in batch}


# --- uploaded files ---------------------------------------------------------------------------------------------


def upload(import_id: str) -> ImportUpload:
    if import_store.get_run(import_id) is not None:
        raise BusinessRuleRefused(ErrorCode.ALREADY_APPLIED, f"import {import_id} has started: its file is read as it was")
    return ImportUpload(import_id=import_id, upload_url=import_store.upload_url(import_id, UPLOAD_URL_SECONDS),
                        expires_in=UPLOAD_URL_SECONDS)


def status_of(run: ImportRun) -> ImportStatus:
    counts = ImportCounts(imported=run.imported, replayed=run.replayed, refused=run.refused)
    return ImportStatus(import_id=run.import_id, status=run.status, lines=run.lines, bytes_read=run.position,
                        size=run.size, counts=counts,
                        started_at=run.started_at, finished_at=run.finished_at, error=run.error)


def _run_or_404(import_id: str) -> ImportRun:
    run = import_store.get_run(import_id)
    if run is None:
        raise NotFound(ErrorCode.IMPORT_NOT_FOUND, f"no import {import_id} was started")
    return run


def status(import_id: str) -> ImportStatus:
    return status_of(_run_or_404(import_id))


def start(import_id: str, now: datetime) -> ImportStatus:
    """Start the import of the uploaded file (as it is now: a file replaced later is not read). Starting again is
    harmless and asks a running import to go on (a lost continuation cannot stall it)."""
    run = import_store.get_run(import_id)
    if run is None:
        found = import_store.uploaded(import_id)
        if found is None:
            raise NotFound(ErrorCode.IMPORT_NOT_FOUND, f"nothing was uploaded for import {import_id}")
        run = ImportRun(import_id, import_store.file_key(import_id), found[0], found[1], iso(now))
        run.advance(0, 0, [], iso(now))  # an empty file is done at once
        if not import_store.create_run(run):
            run = _run_or_404(import_id)  # a concurrent start won
    if run.status == "running":
        bus.publish([ImportContinued(import_id=import_id)])
    return status_of(run)


def refusals(import_id: str, limit: int, cursor: str | None) -> ImportRefusalsPage:
    _run_or_404(import_id)
    page, last = import_store.refusals(import_id, limit, int(cursor or 0))
    items = [ImportRefusal(line=r.line, member_id=r.member_id, error=Refusal(code=ErrorCode(r.code), message=r.message))
             for r in page]
    return ImportRefusalsPage(items=items, next_cursor=None if last is None else str(last))


def continue_import(import_id: str, time_left: TimeLeft, parse: LineParser, now: datetime) -> ImportStatus:
    """Apply pages of the file from the checkpoint until it ends or the time left is short; then ask for a
    continuation on the bus. A duplicated or retried invocation is harmless: the members are keyed, and a
    checkpoint only advances from the position its page started at."""
    program = current_program()
    while True:
        run = _run_or_404(import_id)
        if run.status != "running":
            return status_of(run)
        if time_left() < MARGIN_MS:
            bus.publish([ImportContinued(import_id=import_id)])
            return status_of(run)
        _page(program, run, parse, now)


def _lines(run: ImportRun) -> tuple[list[bytes], int]:
    for length in READS:
        chunk = import_store.read(run, length)
        lines, consumed = imports.complete_lines(chunk, run.position + len(chunk) >= run.size, PAGE_LINES)
        if lines:
            return lines, consumed
    return [], 0


def _page(program: Program, run: ImportRun, parse: LineParser, now: datetime) -> None:
    started = run.position
    try:
        lines, consumed = _lines(run)
    except FileChanged:
        run.fail("the file was replaced after the import started", iso(now))
        import_store.save_run(run, started)
        return
    if not lines:
        run.fail(f"line {run.lines + 1} is longer than {READS[-1]} bytes", iso(now))
        import_store.save_run(run, started)
        return
    numbered = [(number, line) for number, line in enumerate(lines, start=run.lines + 1) if line.strip()]
    results = _apply_lines(program, run.import_id, [line for _, line in numbered], parse, now)
    statuses: list[str] = [result.status for result in results]
    refused = [Refused(number, result.member_id or None, result.error.code, result.error.message)
               for (number, _), result in zip(numbered, results, strict=True) if result.error is not None]
    import_store.put_refusals(run.import_id, refused)
    run.advance(consumed, len(lines), statuses, iso(now))
    import_store.save_run(run, started)  # False: another invocation counted this page; the caller re-reads


def _apply_lines(program: Program, import_id: str, lines: list[bytes], parse: LineParser,
                 now: datetime) -> list[ImportResult]:
    """A page's lines: the members they hold applied together, a line that is not a member refused on its own."""
    results: dict[int, ImportResult] = {}
    members: list[tuple[int, ImportCommand]] = []
    for n, line in enumerate(lines):
        try:
            member = parse(line)
            imports.check_tiers(program, [member])
        except InvalidRequest as err:
            results[n] = _refused(_member_id_of(line), err)
            continue
        members.append((n, ImportCommand(import_id, member)))
    applied = apply_all(program, [cmd for _, cmd in members], now)
    results.update((n, result) for (n, _), result in zip(members, applied, strict=True))
    return [results[n] for n in range(len(lines))]


def _member_id_of(line: bytes) -> str:
    """The member id of a line that is not a valid member, when it has one ("" otherwise)."""
    try:
        value = json.loads(line)
    except ValueError:
        return ""
    member_id = value.get("member_id") if isinstance(value, dict) else None
    return member_id if isinstance(member_id, str) and len(member_id) <= 64 else ""
