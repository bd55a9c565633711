"""Units of each limited reward handed out so far, read from its counter item (which a redemption's transaction
writes, storage.repository): apart from the repository, so that the catalog reads them without the ledger and
member models."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from .models import CounterItem


def stock_used(reward_id: str) -> int:
    try:
        return int(CounterItem.get(f"stock#{reward_id}", consistent_read=True).value or 0)
    except DoesNotExist:
        return 0


def stock_used_of(reward_ids: list[str]) -> dict[str, int]:
    """Units handed out of each reward, in one BatchGetItem (a page of the catalog)."""
    used = dict.fromkeys(reward_ids, 0)
    for item in CounterItem.batch_get([f"stock#{r}" for r in reward_ids], consistent_read=True):
        used[item.pk.split("#", 1)[1]] = int(item.value or 0)
    return used
