"""Redeem, cancel, transfer, adjust: the orchestration around domain.spending."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ..domain import spending
from ..domain.errors import BusinessRuleRefused, NotFound
from ..domain.ledger import entry_key
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute


def redeem(member_id: str, cmd: spending.RedemptionCommand, fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        return spending.redeem(current_program(), member_or_404(member_id), cmd, now)

    return execute(member_id, entry_key("redemption", cmd.redemption_id), fingerprint, build)


def cancel(member_id: str, redemption_id: str, now: datetime) -> dict[str, Any]:
    """A second cancellation is refused by the cancellation entry's own key, in the write: no extra read."""
    def build() -> Any:
        member = member_or_404(member_id)
        redemption = repository.get_entry(member_id, entry_key("redemption", redemption_id))
        if redemption is None:
            raise NotFound("REDEMPTION_NOT_FOUND", f"no redemption {redemption_id} for {member_id}")
        return spending.cancel_redemption(current_program(), member, redemption, now)

    try:
        return execute(member_id, entry_key("cancellation", redemption_id), None, build)
    except BusinessRuleRefused as refused:
        if refused.code == "ALREADY_APPLIED":
            raise BusinessRuleRefused("ALREADY_CANCELLED", f"redemption {redemption_id} is already cancelled") \
                from refused
        raise


def transfer(member_id: str, to_member_id: str, transfer_id: str, points: int, fingerprint: str,
             now: datetime) -> dict[str, Any]:
    def build() -> Any:
        sender = member_or_404(member_id)
        recipient = repository.get_member(to_member_id)
        if recipient is None:
            raise NotFound("MEMBER_NOT_FOUND", f"no member {to_member_id} to transfer to")
        return spending.transfer(current_program(), sender, recipient, transfer_id, points, now)

    return execute(member_id, entry_key("transfer_out", transfer_id), fingerprint, build)


def adjust(member_id: str, adjustment_id: str, direction: Literal["credit", "debit"], points: int, reason: str,
           fingerprint: str, now: datetime) -> dict[str, Any]:
    def build() -> Any:
        return spending.adjust(current_program(), member_or_404(member_id), adjustment_id, direction, points,
                               reason, now)

    return execute(member_id, entry_key("adjustment", adjustment_id), fingerprint, build)
