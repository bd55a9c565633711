"""Program figures for operators, from sharded counters written in the same transactions as the ledger."""
from __future__ import annotations

from typing import Any

from ..platform.program_source import current_program
from ..storage import repository

FLOWS = ["issued", "reversed", "redeemed", "expired", "debited", "members"]


def program_stats() -> dict[str, Any]:
    program = current_program()
    tiers = [f"tier:{t.name}" for t in program.tiers]
    totals = repository.read_counters(FLOWS + tiers)
    outstanding = totals["issued"] - totals["reversed"] - totals["redeemed"] - totals["expired"] - totals["debited"]
    return {
        "points": {"issued": totals["issued"], "reversed": totals["reversed"], "redeemed": totals["redeemed"],
                   "expired": totals["expired"], "debited": totals["debited"], "outstanding": outstanding},
        "members": totals["members"],
        "tiers": {t.name: totals[f"tier:{t.name}"] for t in program.tiers},
    }
