"""The analytics: a consumer of the Members table's stream counts what each write carried (its figures), and the
reports (GET /v1/admin/analytics, GET /v1/admin/stats) read what it counted, never the ledger."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import answers  # the admin's reads only: the stream's function never loads them
from ..domain.errors import ErrorCode, Throttled
from ..domain.figures import FLOWS, Figures, WriteFigures, net, split, window
from ..domain.figures import report as figures_report
from ..platform.observability import metrics
from ..platform.program_source import current_program
from ..storage import analytics_store
from ..storage.analytics_store import MAX_ITEMS, Contribution, MarkMoved
from ..storage.conflicts import ConcurrentChange
from .execution import MAX_ATTEMPTS, backoff

Parts = tuple[dict[str, int], dict[str, int], dict[str, tuple[int, int]]]  # domain.figures.split of a write's counts


@dataclass(frozen=True)
class CountedWrite:
    """One member item version's figures, as the stream delivered them (`written_on`: the record's UTC day)."""

    member_id: str
    version: int
    figures: WriteFigures
    written_on: str


def consume(writes: list[CountedWrite]) -> int:
    """Count every write not counted yet (a redelivery finds its versions counted); how many were counted now."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            return _count_fresh(writes)
        except (MarkMoved, ConcurrentChange):  # the transactions that went through moved their marks: none again
            metrics.add_metric(name="AnalyticsConflict", unit="Count", value=1)
            backoff(attempt)
    raise Throttled(ErrorCode.THROTTLED, "the analytics could not count this batch: it is delivered again")


def _count_fresh(writes: list[CountedWrite]) -> int:
    counted = analytics_store.counted_versions(w.member_id for w in writes)
    fresh = [w for w in writes if w.version > counted.get(w.member_id, 0)]
    chunk = Contribution()
    for write in fresh:
        parts = split(write.figures.counts)
        if chunk.items + _new_items(chunk, write, parts) > MAX_ITEMS:
            _flush(chunk, counted)
            chunk = Contribution()
        _add(chunk, write, parts, counted.get(write.member_id))
    _flush(chunk, counted)
    return len(fresh)


def _flush(chunk: Contribution, counted: dict[str, int]) -> None:
    if chunk.marks:
        analytics_store.apply(chunk)
        counted.update({m: version for m, (_, version) in chunk.marks.items()})


def _day(write: CountedWrite) -> str:
    return write.figures.day or write.written_on


def _new_items(chunk: Contribution, write: CountedWrite, parts: Parts) -> int:
    """The items counting `write` adds to the chunk's transaction."""
    flows, tiers, rewards = parts
    day = _day(write)
    items = int(write.member_id not in chunk.marks) + len(set(tiers) - set(chunk.tiers))
    if flows:
        items += int(day not in chunk.days) + int(not chunk.totals)
    return items + len({f"{day}#{r}" for r in rewards} - set(chunk.rewards))


def _add(chunk: Contribution, write: CountedWrite, parts: Parts, read: int | None) -> None:
    flows, tiers, rewards = parts
    day = _day(write)
    chunk.marks[write.member_id] = (chunk.marks.get(write.member_id, (read, 0))[0], write.version)
    if flows:
        _sum(chunk.days.setdefault(day, {}), flows)
        _sum(chunk.totals, flows)
    _sum(chunk.tiers, tiers)
    for reward_id, (units, points) in rewards.items():
        had = chunk.rewards.get(f"{day}#{reward_id}", (0, 0))
        chunk.rewards[f"{day}#{reward_id}"] = (had[0] + units, had[1] + points)


def _sum(into: dict[str, int], more: dict[str, int]) -> None:
    for name, delta in more.items():
        into[name] = into.get(name, 0) + delta


def report(first: date | None, last: date | None, today: date) -> answers.Analytics:
    first, last = window(first, last, today)
    kept = Figures(days=analytics_store.flows_from(first.isoformat(), FLOWS),
                      totals=analytics_store.total_flows(FLOWS), tiers=analytics_store.tier_members(),
                      rewards=analytics_store.reward_redemptions(first.isoformat(), last.isoformat()))
    return figures_report(current_program(), first, last, kept)


def stats() -> answers.Stats:
    """All-time totals: points issued (adjustment credits and imports included) and where they went."""
    t = analytics_store.total_flows(FLOWS)
    issued = t["issued"] + t["credited"] + t["imported"]
    flows = answers.PointFlows(issued=issued, reversed=t["reversed"], redeemed=t["redeemed"], expired=t["expired"],
                               debited=t["debited"], outstanding=net(t))
    tiers = analytics_store.tier_members()
    return answers.Stats(points=flows, members=t["members"],
                         tiers={x.name: tiers.get(x.name, 0) for x in current_program().tiers})
