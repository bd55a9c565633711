"""Operator operations: manual adjustments (the program figures are in service.analytics)."""
from __future__ import annotations

from datetime import datetime

from ..answers import AdjustmentAnswer
from ..domain import spending
from ..domain.ledger import Posting, entry_key
from ..platform.program_source import current_program
from .common import member_or_404
from .execution import execute


def adjust(member_id: str, cmd: spending.AdjustmentCommand, now: datetime) -> AdjustmentAnswer:
    def build() -> Posting:
        return spending.adjust(current_program(), member_or_404(member_id), cmd, now)

    return execute(member_id, entry_key("adjustment", cmd.adjustment_id), cmd, build, AdjustmentAnswer)
