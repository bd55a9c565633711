"""Accrue and reverse: the orchestration around domain.accrual."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import accrual
from ..domain.errors import NotFound
from ..domain.ledger import entry_key
from ..domain.ledger import fingerprint as ledger_fingerprint
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute


def accrue(member_id: str, cmd: accrual.AccrualCommand, fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        accrual.check_occurred_at(cmd.occurred_at, now)  # in build: a replay still answers as it did
        return accrual.accrue(current_program(), member_or_404(member_id), cmd, now)

    return execute(member_id, entry_key("accrual", cmd.transaction_id), fingerprint, build)


def pay_referral(referrer_id: str, referee_id: str, qualified_at: datetime) -> dict[str, Any]:
    """Once per referee, keyed `referral#<referee_id>`: a redelivered ReferralQualified replays."""
    def build() -> Any:
        return accrual.pay_referral(current_program(), member_or_404(referrer_id), referee_id, qualified_at)

    return execute(referrer_id, entry_key("referral", referee_id), ledger_fingerprint({"referee_id": referee_id}),
                   build)


def reverse(member_id: str, cmd: accrual.ReversalCommand, fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        program = current_program()
        member = member_or_404(member_id)
        lot = repository.get_lot(member_id, entry_key("accrual", cmd.transaction_id))
        if lot is None:
            raise NotFound("TRANSACTION_NOT_FOUND", f"no accrual {cmd.transaction_id} for {member_id}")
        return accrual.reverse(program, member, lot, cmd, now)

    return execute(member_id, entry_key("reversal", cmd.reversal_id), fingerprint, build)
