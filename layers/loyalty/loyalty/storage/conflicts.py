"""Why a conditional write was refused, as the storage modules raise it and the services retry or answer it."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..domain.ledger import BudgetDraw


class KeyAlreadyUsed(Exception):
    """The idempotency key of a ledger entry was already written: the operation is a replay."""

    def __init__(self, member_id: str, key: str) -> None:
        super().__init__(f"{member_id}/{key}")
        self.member_id = member_id
        self.key = key


class ConcurrentChange(Exception):
    """Another writer changed the member (or the transaction collided): re-read and try again."""


class BudgetShort(Exception):
    """A promotion's budget slice could not cover a draw: build the posting again, elsewhere or without it."""

    def __init__(self, draw: BudgetDraw) -> None:
        super().__init__(f"{draw.promotion_id} slice {draw.slice}: {draw.points} points")
        self.draw = draw
