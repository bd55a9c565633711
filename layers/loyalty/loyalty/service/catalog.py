"""Public reads of the program document and the catalog."""
from __future__ import annotations

from ..answers import PublicProgram, RewardListing, RewardsPage
from ..platform.program_source import current_program
from ..storage import repository


def rewards() -> RewardsPage:
    items = []
    for reward in current_program().rewards:
        left = None if reward.stock is None else max(0, reward.stock - repository.stock_used(reward.reward_id))
        items.append(RewardListing(**reward.model_dump(), stock_left=left))
    return RewardsPage(items=items)


def public_program() -> PublicProgram:
    return PublicProgram(**current_program().model_dump(exclude={"rewards"}))
