"""Blocking, erasure and the export of a member: the orchestration around domain.standing."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from ..answers import ExportedEntry, ExportedLot, MemberExport, MemberView
from ..domain import standing
from ..domain.ledger import Posting
from ..domain.member import MemberState
from ..domain.program import Program
from ..platform.observability import logger
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import write_unkeyed

EXPORT_ATTEMPTS = 5


def _change(member_id: str, change: Callable[[Program, MemberState], Posting]) -> MemberView:
    """One conditional write of the member item (its version), retried on contention; a change already made
    writes nothing and answers the same."""
    posting = write_unkeyed(lambda _: change(current_program(), member_or_404(member_id)))
    assert isinstance(posting.response, MemberView)
    return posting.response


def block(member_id: str, reason: str, now: datetime) -> MemberView:
    return _change(member_id, lambda program, member: standing.block(program, member, reason, now))


def unblock(member_id: str, reason: str, now: datetime) -> MemberView:
    return _change(member_id, lambda program, member: standing.unblock(program, member, reason, now))


def erase(member_id: str, now: datetime) -> MemberView:
    """Erase and block in one write, then empty the profile in the answers its ledger entries keep for replays.
    A crash in between is finished by the DELETE again: the erasure is made, the rewrite runs again."""
    view = _change(member_id, lambda program, member: standing.erase(program, member, now))
    rewritten = repository.rewrite_answers(member_id, partial(standing.redacted, member_id))
    logger.info("member erased", extra={"member_id": member_id, "answers_rewritten": rewritten})
    return view


def _ledger(member_id: str) -> tuple[list[ExportedEntry], list[ExportedLot]]:
    entries, lots = repository.ledger_and_lots(member_id)
    return [ExportedEntry.of(entry) for entry in entries], [ExportedLot.of(lot) for lot in lots]


def export(member_id: str, now: datetime) -> MemberExport:
    """The member item, its view, its whole ledger and its lots. Every ledger write also writes the member item,
    so the same version before and after the ledger read means a ledger that sums to the exported balance."""
    member = member_or_404(member_id)
    entries, lots = _ledger(member_id)
    for _ in range(EXPORT_ATTEMPTS):
        again = member_or_404(member_id)
        if again.version == member.version:
            break
        member, (entries, lots) = again, _ledger(member_id)
    record = member.model_dump(mode="json", exclude={"version"})
    return MemberExport(member=record, view=member.view(current_program(), now.date()), entries=entries, lots=lots)
