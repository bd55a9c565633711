"""Accrue and reverse: the orchestration around domain.accrual."""
from __future__ import annotations

from datetime import datetime

from .. import answers  # read as each operation answers: a function loads the answers it serves, not all
from ..domain import accrual
from ..domain.errors import ErrorCode, NotFound
from ..domain.ledger import Posting, entry_key
from ..domain.member import MemberState
from ..platform.program_source import current_program
from ..storage import repository
from . import budgets
from .common import member_or_404
from .execution import execute


def accrue(member_id: str, cmd: accrual.AccrualCommand, now: datetime) -> answers.AccrualAnswer:
    taken: set[str] = set()  # challenge bonus keys a write found already granted
    budget = budgets.SliceChooser()
    as_read: list[MemberState] = []  # the member as read, while only budget slices refused the write

    def build() -> Posting:
        accrual.check_occurred_at(cmd.occurred_at, now)  # in build: a replay still answers as it did
        program = current_program()
        if budget.refused_last and as_read:  # the write was refused for a budget slice: no need to read again
            member = as_read[0].model_copy(deep=True)
        else:
            member = member_or_404(member_id)
            as_read[:] = [member.model_copy(deep=True)] if any(p.budget_points for p in program.promotions) else []
        budget.refused_last = False
        return accrual.accrue(program, member, cmd, now, frozenset(taken), budget)

    return execute(member_id, entry_key("accrual", cmd.transaction_id), cmd, build, answers.AccrualAnswer, taken, budget)


def simulate(tier: str | None, segments: list[str], cmd: accrual.AccrualCommand, now: datetime) -> answers.AccrualSimulation:
    """What the accrual would earn a member of that tier and those segments, with the budgets as they stand."""
    return accrual.simulate(current_program(), tier, segments, cmd, now, budgets.CountedBudgets())


def pay_referral(referrer_id: str, referee_id: str, qualified_at: datetime) -> answers.ReferralAnswer:
    """Once per referee, keyed `referral#<referee_id>`: a redelivered ReferralQualified replays."""
    def build() -> Posting:
        return accrual.pay_referral(current_program(), member_or_404(referrer_id), referee_id, qualified_at)

    return execute(referrer_id, entry_key("referral", referee_id), accrual.ReferralCommand(referee_id), build,
                   answers.ReferralAnswer)


def reverse(member_id: str, cmd: accrual.ReversalCommand, now: datetime) -> answers.ReversalAnswer:
    def build() -> Posting:
        program = current_program()
        member = member_or_404(member_id)
        lot = repository.get_lot(member_id, entry_key("accrual", cmd.transaction_id))
        if lot is None:
            raise NotFound(ErrorCode.TRANSACTION_NOT_FOUND, f"no accrual {cmd.transaction_id} for {member_id}")
        return accrual.reverse(program, member, lot, cmd, now)

    answer = execute(member_id, entry_key("reversal", cmd.reversal_id), cmd, build, answers.ReversalAnswer)
    budgets.given_back()  # if it gave a budget back, this container's next accruals may draw on it again
    return answer
