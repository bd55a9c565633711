"""Where a budgeted promotion's points are drawn from: one slice of its budget, chosen at random, so a popular
promotion is spread over several counter items instead of one hot item.

An accrual reads no counter: it draws on a slice in its own transaction, under the condition that the slice
covers the points, and when the condition fails it builds the accrual again on another slice, or without the
promotion once none is left. A container remembers for a minute which slices could not cover a draw, so an
exhausted budget costs each container one failed transaction per slice, not every purchase."""
from __future__ import annotations

import random
import time

from ..domain.ledger import BudgetDraw
from ..domain.program import Promotion
from ..storage import repository

SHORT_FOR_SECONDS = 60.0
# (promotion, slice) -> (the smallest draw it refused, when): this container skips it for draws as large
_short: dict[tuple[str, int], tuple[int, float]] = {}


def _known_short(promotion_id: str, slice_: int, points: int, now: float) -> bool:
    seen = _short.get((promotion_id, slice_))
    return seen is not None and now - seen[1] < SHORT_FOR_SECONDS and points >= seen[0]


def given_back() -> None:
    """A reversal may have given budget back: this container tries every slice again."""
    _short.clear()


class SliceChooser:
    """The slices one accrual draws on: a random one among those that may cover the draw; never one that refused
    it in this request."""

    def __init__(self) -> None:
        self._refused: set[tuple[str, int]] = set()
        self.refused_last = False  # the last write was cancelled for a slice only: the member read still holds

    def draw(self, promotion: Promotion, points: int) -> int | None:
        now = time.monotonic()
        pid = promotion.promotion_id
        open_slices = [k for k, share in enumerate(promotion.budget_shares())
                       if share >= points and (pid, k) not in self._refused and not _known_short(pid, k, points, now)]
        return random.choice(open_slices) if open_slices else None

    def refuse(self, draw: BudgetDraw) -> None:
        """The slice could not cover the draw (its transaction was cancelled): the accrual is built again."""
        now = time.monotonic()
        for old in [k for k, (_, at) in tuple(_short.items()) if now - at >= SHORT_FOR_SECONDS]:
            _short.pop(old, None)  # containers run one request at a time; the tests run many on threads
        key = (draw.promotion_id, draw.slice)
        self._refused.add(key)
        self.refused_last = True
        seen = _short.get(key)
        _short[key] = (draw.points if seen is None else min(draw.points, seen[0]), now)


class CountedBudgets:
    """For the simulation: reads the budget counters, and finds a slice whose rest covers the draw."""

    def __init__(self) -> None:
        self._drawn: dict[str, list[int]] = {}

    def draw(self, promotion: Promotion, points: int) -> int | None:
        shares = promotion.budget_shares()
        pid = promotion.promotion_id
        if not shares:
            return None
        if pid not in self._drawn:
            self._drawn[pid] = repository.budget_drawn(pid, len(shares))
        return next((k for k, (share, drawn) in enumerate(zip(shares, self._drawn[pid], strict=True))
                     if share - drawn >= points), None)
