"""Operator operations: manual adjustments, and program figures from sharded counters written in the same
transactions as the ledger."""
from __future__ import annotations

from datetime import datetime

from ..answers import AdjustmentAnswer, PointFlows, Stats
from ..domain import spending
from ..domain.ledger import Posting, entry_key
from ..platform.program_source import current_program
from ..storage import repository
from .common import member_or_404
from .execution import execute

FLOWS = ["issued", "reversed", "redeemed", "expired", "debited", "members"]


def adjust(member_id: str, cmd: spending.AdjustmentCommand, now: datetime) -> AdjustmentAnswer:
    def build() -> Posting:
        return spending.adjust(current_program(), member_or_404(member_id), cmd, now)

    return execute(member_id, entry_key("adjustment", cmd.adjustment_id), cmd, build, AdjustmentAnswer)


def program_stats() -> Stats:
    program = current_program()
    tiers = [f"tier:{t.name}" for t in program.tiers]
    totals = repository.read_counters(FLOWS + tiers)
    outstanding = totals["issued"] - totals["reversed"] - totals["redeemed"] - totals["expired"] - totals["debited"]
    flows = PointFlows(issued=totals["issued"], reversed=totals["reversed"], redeemed=totals["redeemed"],
                       expired=totals["expired"], debited=totals["debited"], outstanding=outstanding)
    return Stats(points=flows, members=totals["members"], tiers={t.name: totals[f"tier:{t.name}"] for t in program.tiers})
