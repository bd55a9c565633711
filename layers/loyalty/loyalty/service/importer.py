"""Imports of members with their lots: each member is one transaction, applied once per import_id + member_id."""
from __future__ import annotations

from datetime import datetime

from ..answers import ImportAnswer, ImportResult, Refusal
from ..domain import imports
from ..domain.errors import BusinessRuleRefused, ErrorCode, LoyaltyError, idempotency_mismatch
from ..domain.imports import ImportCommand, ImportedMember
from ..domain.program import Program
from ..platform.program_source import current_program
from ..storage import repository
from ..storage.repository import ConcurrentChange, KeyAlreadyUsed
from .execution import MAX_ATTEMPTS, backoff, fingerprint
from .members import new_referral_code


def import_members(import_id: str, members: list[ImportedMember], now: datetime) -> ImportAnswer:
    """Every member applies whole or not at all; a tier the program lacks refuses the whole call (422)."""
    program = current_program()
    imports.check_tiers(program, members)
    return ImportAnswer(import_id=import_id,
                        results=[apply(program, ImportCommand(import_id, m), now) for m in members])


def _refused(member_id: str, err: LoyaltyError) -> ImportResult:
    return ImportResult(member_id=member_id, status="refused", error=Refusal(code=err.code, message=err.message))


def _earlier(cmd: ImportCommand, sent: str) -> ImportResult | None:
    """The result of a key this import already applied to the member (replayed), or None if it did not."""
    member_id = cmd.member.member_id
    entry = repository.get_entry(member_id, imports.import_key(cmd.import_id))
    if entry is None:
        return None
    if entry.fingerprint != sent:
        return _refused(member_id, idempotency_mismatch(f"{cmd.import_id} for {member_id}"))
    return ImportResult(member_id=member_id, status="replayed")


def apply(program: Program, cmd: ImportCommand, now: datetime) -> ImportResult:
    """One member: no read before the write (an import is mostly new members); a failed condition tells a replay
    (the import's entry exists) from a member enrolled otherwise."""
    member_id = cmd.member.member_id
    sent = fingerprint(cmd)
    try:
        posting = imports.import_member(program, cmd, new_referral_code(), now)
    except BusinessRuleRefused as err:  # a replay answers as the import did, even once its lots have expired
        return _earlier(cmd, sent) or _refused(member_id, err)
    posting.entries[0].fingerprint = sent
    for attempt in range(MAX_ATTEMPTS):
        try:
            repository.commit(posting)
        except KeyAlreadyUsed:
            return _earlier(cmd, sent) or _refused(member_id, BusinessRuleRefused(
                ErrorCode.ALREADY_ENROLLED, f"{member_id} is already enrolled"))
        except ConcurrentChange:
            if repository.get_member(member_id) is not None:  # enrolled, or imported by this import meanwhile
                return _earlier(cmd, sent) or _refused(member_id, BusinessRuleRefused(
                    ErrorCode.ALREADY_ENROLLED, f"{member_id} is already enrolled"))
            backoff(attempt)  # a transaction conflict: nothing was written
            continue
        return ImportResult(member_id=member_id, status="imported")
    return _refused(member_id, LoyaltyError(ErrorCode.THROTTLED, "too many concurrent changes; import it again"))
