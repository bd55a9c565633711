"""Accrue and reverse: the orchestration around domain.accrual."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import accrual
from ..domain.errors import NotFound
from ..domain.ledger import entry_key
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute


def accrue(member_id: str, cmd: accrual.AccrualCommand, fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        accrual.check_occurred_at(cmd.occurred_at, now)  # in build: a replay still answers as it did
        program = current_program()
        member = member_or_404(member_id)
        referrer = None
        if cmd.kind == "purchase" and member.referred_by and not member.referral_paid:
            referrer = repository.get_member(member.referred_by)  # only on a referee's first purchase
        return accrual.accrue(program, member, cmd, now, referrer)

    return execute(member_id, entry_key("accrual", cmd.transaction_id), fingerprint, build)


def reverse(member_id: str, cmd: accrual.ReversalCommand, fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        program = current_program()
        member = member_or_404(member_id)
        lot = repository.get_lot(member_id, entry_key("accrual", cmd.transaction_id))
        if lot is None:
            raise NotFound("TRANSACTION_NOT_FOUND", f"no accrual {cmd.transaction_id} for {member_id}")
        return accrual.reverse(program, member, lot, cmd, now)

    return execute(member_id, entry_key("reversal", cmd.reversal_id), fingerprint, build)
