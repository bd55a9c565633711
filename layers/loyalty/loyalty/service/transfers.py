"""Family sharing: the orchestration around domain.spending.transfer."""
from __future__ import annotations

from datetime import datetime

from ..answers import TransferAnswer
from ..domain import spending
from ..domain.errors import ErrorCode, NotFound
from ..domain.ledger import Posting, entry_key
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute


def transfer(member_id: str, cmd: spending.TransferCommand, now: datetime) -> TransferAnswer:
    def build() -> Posting:
        sender = member_or_404(member_id)
        recipient = repository.get_member(cmd.to_member_id)
        if recipient is None:
            raise NotFound(ErrorCode.MEMBER_NOT_FOUND, f"no member {cmd.to_member_id} to transfer to")
        return spending.transfer(current_program(), sender, recipient, cmd, now)

    return execute(member_id, entry_key("transfer_out", cmd.transfer_id), cmd, build, TransferAnswer)
