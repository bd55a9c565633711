"""The Analytics table: the program figures the stream consumer keeps, and the marks that make it count each member
item version once.

Items (`pk`, `sk`): `day`/`YYYY-MM-DD` and `total`/`all` hold the flows (one number per name of domain.figures
FLOWS); `tier`/`<name>` members per tier; `reward`/`<day>#<reward_id>` a reward's redemptions that day;
`applied#<member_id>`/`-` the last version of the member's item whose figures are counted. Every change is one
transaction that moves the marks of the members it counts (on condition that they are still what was read) and adds
to the figures, so a redelivered record, a retried batch or two consumers racing never count a write twice."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..platform.clients import clients
from ..platform.settings import settings
from .conflicts import ConcurrentChange
from .models import table_meta

MAX_ITEMS = 100  # DynamoDB's limit of items in one transaction


class MarkMoved(Exception):
    """Another delivery counted some of these members' writes since their marks were read: read them again."""


class FlowItem(Model):
    Meta = table_meta(settings().analytics_table)
    pk = UnicodeAttribute(hash_key=True)  # "day" or "total"
    sk = UnicodeAttribute(range_key=True)  # the UTC day, or "all"
    issued = NumberAttribute(null=True)
    reversed = NumberAttribute(null=True)
    redeemed = NumberAttribute(null=True)
    expired = NumberAttribute(null=True)
    credited = NumberAttribute(null=True)
    debited = NumberAttribute(null=True)
    imported = NumberAttribute(null=True)
    members = NumberAttribute(null=True)
    active = NumberAttribute(null=True)

    def flows(self, names: Iterable[str]) -> dict[str, int]:
        return {n: int(getattr(self, n) or 0) for n in names}


class TierItem(Model):
    Meta = table_meta(settings().analytics_table)
    pk = UnicodeAttribute(hash_key=True)  # "tier"
    sk = UnicodeAttribute(range_key=True)  # the tier's name
    members = NumberAttribute(null=True)


class RewardDayItem(Model):
    Meta = table_meta(settings().analytics_table)
    pk = UnicodeAttribute(hash_key=True)  # "reward"
    sk = UnicodeAttribute(range_key=True)  # "<day>#<reward_id>"
    redemptions = NumberAttribute(null=True)
    points = NumberAttribute(null=True)


class AppliedItem(Model):
    Meta = table_meta(settings().analytics_table)
    pk = UnicodeAttribute(hash_key=True)  # "applied#<member_id>"
    sk = UnicodeAttribute(range_key=True)  # "-"
    version = NumberAttribute()


@dataclass
class Contribution:
    """What one transaction counts: the members' marks (version read or None, version counted up to) and the sums."""

    marks: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    days: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    rewards: dict[str, tuple[int, int]] = field(default_factory=dict)  # "<day>#<reward>" -> (units, points)

    @property
    def items(self) -> int:
        return len(self.marks) + len(self.days) + bool(self.totals) + len(self.tiers) + len(self.rewards)


def _mark_key(member_id: str) -> str:
    return f"applied#{member_id}"


def counted_versions(member_ids: Iterable[str]) -> dict[str, int]:
    """The last counted version of each member's item (absent: none counted yet)."""
    keys = [(_mark_key(m), "-") for m in dict.fromkeys(member_ids)]
    return {i.pk.split("#", 1)[1]: int(i.version) for i in AppliedItem.batch_get(keys, consistent_read=True)}


def apply(c: Contribution) -> None:
    """Count `c` in one transaction, or nothing (MarkMoved, ConcurrentChange)."""
    try:
        with TransactWrite(connection=clients().dynamodb) as tx:
            for member_id, (read, counted) in c.marks.items():
                mark = AppliedItem(_mark_key(member_id), "-")
                still = AppliedItem.pk.does_not_exist() if read is None else AppliedItem.version == read
                tx.update(mark, [AppliedItem.version.set(counted)], condition=still)
            for day, flows in c.days.items():
                _add(tx, FlowItem("day", day), flows)
            if c.totals:
                _add(tx, FlowItem("total", "all"), c.totals)
            for tier, delta in c.tiers.items():
                tx.update(TierItem("tier", tier), [TierItem.members.add(delta)])
            for key, (units, points) in c.rewards.items():
                tx.update(RewardDayItem("reward", key),
                          [RewardDayItem.redemptions.add(units), RewardDayItem.points.add(points)])
    except TransactWriteError as err:
        reasons = err.cancellation_reasons or []
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
            raise MarkMoved() from err
        raise ConcurrentChange() from err


def _add(tx: TransactWrite, item: FlowItem, flows: Mapping[str, int]) -> None:
    tx.update(item, [getattr(FlowItem, name).add(delta) for name, delta in flows.items()])


def flows_from(first_day: str, names: Iterable[str]) -> dict[str, dict[str, int]]:
    """The flows of every day from `first_day` on."""
    wanted = list(names)
    return {i.sk: i.flows(wanted) for i in FlowItem.query("day", FlowItem.sk >= first_day)}


def total_flows(names: Iterable[str]) -> dict[str, int]:
    try:
        return FlowItem.get("total", "all").flows(names)
    except DoesNotExist:
        return dict.fromkeys(names, 0)


def tier_members() -> dict[str, int]:
    return {i.sk: int(i.members or 0) for i in TierItem.query("tier")}


def reward_redemptions(first_day: str, last_day: str) -> dict[str, tuple[int, int]]:
    """Units and points redeemed per reward over the days, summed."""
    sums: dict[str, tuple[int, int]] = {}
    for item in RewardDayItem.query("reward", RewardDayItem.sk.between(f"{first_day}#", f"{last_day}#\uffff")):
        reward_id = item.sk.split("#", 1)[1]
        units, points = sums.get(reward_id, (0, 0))
        sums[reward_id] = (units + int(item.redemptions or 0), points + int(item.points or 0))
    return sums

