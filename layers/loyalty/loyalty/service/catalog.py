"""Public reads of the program document and the catalog."""
from __future__ import annotations

from typing import Any

from ..platform.program_source import current_program
from ..storage import repository


def rewards() -> dict[str, Any]:
    items = []
    for reward in current_program().rewards:
        item = reward.model_dump(mode="json", exclude_none=True)
        if reward.stock is not None:
            item["stock_left"] = max(0, reward.stock - repository.stock_used(reward.reward_id))
        items.append(item)
    return {"items": items}


def public_program() -> dict[str, Any]:
    program = current_program()
    return program.model_dump(mode="json", exclude={"rewards"})
