"""Redeem and cancel: the orchestration around domain.spending."""
from __future__ import annotations

from datetime import datetime

from ..answers import CancellationAnswer, RedemptionAnswer
from ..domain import spending
from ..domain.errors import BusinessRuleRefused, ErrorCode, NotFound
from ..domain.ledger import Posting, entry_key
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute


def redeem(member_id: str, cmd: spending.RedemptionCommand, now: datetime) -> RedemptionAnswer:
    def build() -> Posting:
        return spending.redeem(current_program(), member_or_404(member_id), cmd, now)

    return execute(member_id, entry_key("redemption", cmd.redemption_id), cmd, build, RedemptionAnswer)


def cancel(member_id: str, redemption_id: str, now: datetime) -> CancellationAnswer:
    """A second cancellation is refused by the cancellation entry's own key, in the write: no extra read."""
    def build() -> Posting:
        member = member_or_404(member_id)
        redemption = repository.get_entry(member_id, entry_key("redemption", redemption_id))
        if redemption is None:
            raise NotFound(ErrorCode.REDEMPTION_NOT_FOUND, f"no redemption {redemption_id} for {member_id}")
        return spending.cancel_redemption(current_program(), member, redemption, now)

    try:
        return execute(member_id, entry_key("cancellation", redemption_id), None, build, CancellationAnswer)
    except BusinessRuleRefused as refused:
        if refused.code == ErrorCode.ALREADY_APPLIED:
            raise BusinessRuleRefused(ErrorCode.ALREADY_CANCELLED,
                                      f"redemption {redemption_id} is already cancelled") from refused
        raise
