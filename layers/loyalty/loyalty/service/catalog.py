"""Public reads of the program document and the catalog."""
from __future__ import annotations

import base64
import json

from ..answers import PublicProgram, RewardListing, RewardsPage
from ..domain.errors import ErrorCode, InvalidRequest
from ..domain.program import Reward
from ..platform.program_source import current_program
from ..storage import stock_counts


def rewards(limit: int, cursor: str | None) -> RewardsPage:
    """A page of the catalog in the document's order, with the stock left of its limited rewards (one read)."""
    catalog = current_program().rewards
    start = 0 if cursor is None else _resume(catalog, cursor)
    page = catalog[start:start + limit]
    used = stock_counts.stock_used_of([r.reward_id for r in page if r.stock is not None])
    items = [RewardListing(**r.model_dump(), stock_left=None if r.stock is None else max(0, r.stock - used[r.reward_id]))
             for r in page]
    end = start + len(page)
    return RewardsPage(items=items, next_cursor=_cursor(end, page[-1].reward_id) if end < len(catalog) else None)


def public_program() -> PublicProgram:
    return PublicProgram(**current_program().model_dump(exclude={"rewards"}))


def _cursor(position: int, last_id: str) -> str:
    """Where the next page starts, and the reward that ended this one (to find the place again after an edit)."""
    return base64.urlsafe_b64encode(json.dumps([position, last_id]).encode()).decode()


def _resume(catalog: list[Reward], cursor: str) -> int:
    """The page after `cursor`: after the reward that ended the last page, where it was or wherever an edit moved it
    (at the old position if it was removed)."""
    refused = InvalidRequest(ErrorCode.INVALID_REQUEST, "cursor: not a cursor of the catalog")
    try:
        position, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise refused from None
    if type(position) is not int or not isinstance(last_id, str) or position < 1:
        raise refused
    if position <= len(catalog) and catalog[position - 1].reward_id == last_id:
        return position
    ids = [r.reward_id for r in catalog]
    return ids.index(last_id) + 1 if last_id in ids else min(position, len(catalog))
