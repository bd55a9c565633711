"""`make bench`: what each loyalty operation asks of AWS and what it would cost, measured in process on moto.

Method
  Every operation runs the real Lambda handler in this process with the event API Gateway (HTTP API, v2) or
  EventBridge would send, against moto (`mock_aws`, dummy credentials: nothing reaches AWS) on tables built
  from template.yaml. Each scenario gets a fresh moto account.
  - Requests: every botocore API call (`BaseClient._make_api_call`, where PynamoDB and boto3 meet) of one
    representative invocation, made after a warm-up one (program document cached, clients created: a warm
    container).
  - Capacity units: computed here from the items read and written, by DynamoDB's item-size rules and on-demand
    rounding; moto's own ConsumedCapacity is shown for comparison only. A table write is charged on the larger
    of the item's before- and after-image (read from moto around the write, uncounted); index upkeep (sparse
    GSIs, the LSI) at 1 WRU per KB.
  - CPU: `time.process_time` around the handler call minus the CPU spent inside moto's request handler
    (`BotocoreStubber.__call__`, timed), median of `--runs` invocations. Backoff sleeps cost no CPU.
  - Cold start: `import app` of each function in a fresh interpreter, the layer on its PYTHONPATH (as /opt/python
    is on Lambda's), Lambda-like env.
  - Cost: list prices (printed) per million operations; handler CPU time stands in for billed duration.
  - The points clock (ExpireFunction) runs on a table of `--members` members of which 100 have points due:
    figures per due member (expiry) or per due lot (release), over rounds re-seeded on successive days.
Wall-clock time is printed for orientation only and never asserted.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from statistics import median, quantiles
from typing import Any

import boto3

from local.atomic_moto import serialize_in_process_moto
from local.streams import take_records
from local.template import Template
from loyalty.domain import accrual, enrollment, spending
from loyalty.domain.ledger import LedgerEntry, Lot, Posting
from loyalty.domain.member import MemberState
from loyalty.domain.wallet import Bucket, Wallet
from loyalty.platform.program_source import current_program
from loyalty.service import admin, budgets, redemptions
from loyalty.storage import mapping
from loyalty.storage.analytics_store import AppliedItem
from loyalty.storage.models import CounterItem, LedgerItem, MemberItem
from scripts.bench import results
from scripts.bench_support import (
    Call,
    Cost,
    MotoCpu,
    Prices,
    Recorder,
    cold_imports,
    cost_per_million,
    item_size,
    table_schemas,
)
from tests.support.aws import program_document, put_program
from tests.support.fixtures import moto_account
from tests.support.functions import http_event, run

warnings.filterwarnings("ignore", "No application metrics to publish")

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "loyalty"
TEMPLATE = Template(ROOT / "template.yaml")
FUNCTIONS = TEMPLATE.functions()
PRICES = Prices()
DUE = 100  # members (or lots) with points due in each points-clock round
COLD_REPEAT = 11
Event = tuple[str, dict[str, Any]]  # (function logical id, event)
STARTED = time.perf_counter()


def progress(text: str) -> None:
    print(f"  {time.perf_counter() - STARTED:6.1f}s  {text}", file=sys.stderr, flush=True)


# -- accounts and seeded state -----------------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_account() -> Iterator[None]:
    """A new moto account provisioned from template.yaml, with the layer's clients made for it."""
    with moto_account():
        yield


def write_items(members: list[MemberState], lots: list[Lot], entries: list[LedgerEntry]) -> None:
    """Seed state in bulk (BatchWriteItem), outside any measurement; each lot on the entry that credited it."""
    with MemberItem.batch_write() as batch:
        for member in members:
            batch.save(mapping.member_to_item(member))
    by_key = {(lot.member_id, lot.lot_id): lot for lot in lots}
    # a lot seeded alone gets the accrual entry that would have credited it
    have = {(e.member_id, e.key) for e in entries}
    entries = [*entries, *(LedgerEntry(lot.member_id, lot.lot_id, "accrual", lot.points, lot.earned_at, lot.lot_id)
                           for lot in lots if (lot.member_id, lot.lot_id) not in have)]
    with LedgerItem.batch_write() as entry_batch:
        for entry in entries:
            entry_batch.save(mapping.entry_to_item(entry, by_key.get((entry.member_id, entry.key))))


def store(member: MemberState, postings: list[Posting]) -> None:
    """Store what postings computed in memory by the domain (on a fake clock) would have committed."""
    write_items([member], [lot for p in postings for lot in p.new_lots], [e for p in postings for e in p.entries])


def enrolled(member_id: str, at: datetime) -> tuple[MemberState, Posting]:
    posting = enrollment.enroll(current_program(), member_id, f"R{uuid.uuid4().hex[:7].upper()}", None, at)
    return posting.members[0], posting


def seed_many_lots(member_id: str, lots: int, now: datetime) -> None:
    """A member holding `lots` 5-point adjustment lots, one every 7 hours back in time (~290 expiry dates), all
    expiring before its welcome bonus, so a redemption of 5 points per lot draws on every one of them."""
    member, first = enrolled(member_id, now)
    postings = [first]
    for n in range(lots):
        at = now - timedelta(days=1, hours=7 * (lots - n))
        seed = spending.AdjustmentCommand(f"seed-{n}", "credit", 5, "bench seed")
        postings.append(spending.adjust(current_program(), member, seed, at))
    store(member, postings)


def seed_year_of_checkins(member_id: str, now: datetime) -> None:
    """A member who checked in every day of the past year (one lot and one expiry date a day)."""
    start = now - timedelta(days=365)
    member, first = enrolled(member_id, start)
    postings = [first]
    for day in range(365):
        at = start + timedelta(days=day, hours=1)
        cmd = accrual.AccrualCommand(f"checkin-{day}", "activity", at, activity="checkin")
        postings.append(accrual.accrue(current_program(), member, cmd, at))
    store(member, postings)


def stored_size(table: str, key: dict[str, Any]) -> int:
    return item_size(boto3.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"))


def member_size(member_id: str) -> int:
    return stored_size("MembersTable", {"member_id": {"S": member_id}})


# -- measuring ---------------------------------------------------------------------------------------------------

@dataclass
class Operation:
    name: str
    event: Callable[[int], Event]  # the i-th invocation's event
    http: bool = True
    before: Callable[[int], None] | None = None  # untimed set-up of the i-th invocation
    items: int = 1  # operations per invocation (records of a stream batch)
    key: str | None = None  # its name in bench/results.json: timed over --invocations instead of --runs
    runs: int | None = None  # timed invocations when fewer than --runs (a batch of 1 000 records is slow on moto)


@dataclass
class Figures:
    """One operation's recorded requests and timed CPU; `items` operations per invocation (the clock)."""

    name: str
    function: str
    http: bool
    calls: list[Call]
    items: int = 1
    cpu: list[float] = field(default_factory=list)  # seconds per invocation
    key: str | None = None  # its name in bench/results.json
    cpu_items: int | None = None  # operations per timed invocation, when not `items` (the clock's one-due runs)

    def per_item(self, attribute: str) -> float:
        return sum(float(getattr(c, attribute)) for c in self.calls) / self.items

    @property
    def transactions(self) -> int:
        return sum(c.operation == "TransactWriteItems" for c in self.calls)

    @property
    def max_tx_items(self) -> int:
        return max((c.tx_items for c in self.calls), default=0)

    @property
    def moto_cu(self) -> str:
        """ConsumedCapacity as moto reported it, for comparison only."""
        reported = [c.reported_cu for c in self.calls if c.reported_cu is not None]
        return num(sum(reported) / self.items) if reported else "-"

    @property
    def other(self) -> str:
        return ",".join(f"{c.service}:{c.operation}" for c in self.calls if c.service not in ("dynamodb", "events"))

    @property
    def cpu_ms(self) -> float:
        return self.cpu_percentile(50)

    def cpu_percentile(self, p: int) -> float:
        """Milliseconds per operation at percentile p of the timed invocations (50: the median)."""
        if not self.cpu:
            return float("nan")
        at = median(self.cpu) if p == 50 or len(self.cpu) < 2 else quantiles(self.cpu, n=100)[p - 1]
        return at * 1000 / (self.cpu_items or self.items)

    @property
    def dynamodb_requests(self) -> float:
        return sum(c.service == "dynamodb" for c in self.calls) / self.items

    def cost(self) -> Cost:
        return cost_per_million(PRICES, invocations=1 / self.items, cpu_seconds=self.cpu_ms / 1000,
                                memory_mb=FUNCTIONS[self.function].memory, rru=self.per_item("rru"),
                                wru=self.per_item("wru") + self.per_item("index_wru"), http=self.http,
                                events=self.per_item("events"))


class Bench:
    def __init__(self, runs: int, invocations: int) -> None:
        self.runs, self.invocations = runs, invocations
        self.recorder = Recorder(table_schemas({name: TEMPLATE.resolve(TEMPLATE.properties(name))
                                                for name in TEMPLATE.of_type("AWS::DynamoDB::Table")}))
        self.moto = MotoCpu()
        self.recorder.install()
        self.moto.install()

    def invoke(self, event: Event) -> Any:
        function, payload = event
        result = run(function, payload)
        if isinstance(result, dict) and result.get("statusCode", 200) >= 300:
            raise RuntimeError(f"{function} answered {result['statusCode']}: {result.get('body')}")
        return result

    def record(self, event: Event) -> tuple[list[Call], Any]:
        with self.recorder.recording() as calls:
            result = self.invoke(event)
        return calls, result

    def cpu(self, event: Event) -> float:
        return self.moto.handler_cpu(partial(self.invoke, event))

    def measure(self, op: Operation) -> Figures:
        """Invocation 0 warms up, 1 is recorded, 2.. are timed."""
        progress(op.name)

        def prepared(i: int) -> Event:
            if op.before:
                op.before(i)
            return op.event(i)

        self.invoke(prepared(0))
        event = prepared(1)
        figures = Figures(op.name, event[0], op.http, self.record(event)[0], items=op.items, key=op.key)
        timed = self.invocations if op.key else min(self.runs, op.runs or self.runs)
        figures.cpu = [self.cpu(prepared(i)) for i in range(2, 2 + timed)]
        return figures


def scheduled_event(when: datetime) -> Event:
    return "ExpireFunction", {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/ExpireFunction"], "detail": {}}


def points_accrued(member_id: str) -> Event:
    return "TierEvaluateFunction", {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "PointsAccrued", "source": "loyalty",
        "account": "123456789012", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": [], "detail": {"member_id": member_id, "transaction_id": "t-tier", "points": 0,  # as published
                                    "status": "available", "kind": "purchase"}}


# -- request-path operations -------------------------------------------------------------------------------------

A, B, LOTS_MEMBER, YEAR_MEMBER = "bench-a", "bench-b", "bench-lots", "bench-year"
STREAM_BATCH = 100  # BatchSize of AnnounceFunction's stream event source
ANALYTICS_BATCH = 1000  # AnalyticsFunction's


def as_member(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body, sub=A, scope="")


def as_service(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body)


def as_admin(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body, scope="loyalty/admin")


def purchase(tx: str) -> dict[str, Any]:
    return {"transaction_id": tx, "kind": "purchase", "amount_minor": 12_345, "currency": "USD"}


def everyday_operations() -> list[Operation]:
    """On small members; the i-th enrolled member does the i-th check-in, A's purchases are later reversed."""
    checkin = {"kind": "activity", "activity": "checkin"}
    return [
        Operation("enroll", lambda i: as_service("POST", "/v1/members", {"member_id": f"new-{i}"}), key="enroll"),
        Operation("accrue purchase", lambda i: as_service("POST", f"/v1/members/{A}/accruals", purchase(f"p-{i}")),
                  key="accrue"),
        Operation("accrue activity", lambda i: as_service("POST", f"/v1/members/new-{i}/accruals",
                                                          {"transaction_id": f"c-{i}", **checkin})),
        Operation("tier evaluate (on PointsAccrued)", lambda i: points_accrued(A), http=False, key="tier_evaluate"),
        Operation("member view", lambda i: as_member("GET", f"/v1/members/{A}"), key="read"),
        Operation("history page (50)", lambda i: as_member("GET", f"/v1/members/{A}/transactions")),
        Operation("redeem", lambda i: as_member("POST", f"/v1/members/{A}/redemptions",
                                                {"redemption_id": f"r-{i}", "reward_id": "coffee"}), key="redeem"),
        Operation("cancel redemption", lambda i: as_member("POST", f"/v1/members/{A}/redemptions/r-{i}/cancellation")),
        Operation("transfer", lambda i: as_member("POST", f"/v1/members/{A}/transfers",
                                                  {"transfer_id": f"x-{i}", "to_member_id": B, "points": 10})),
        Operation("reversal", lambda i: as_service("POST", f"/v1/members/{A}/accruals/p-{i}/reversals",
                                                   {"reversal_id": f"rv-{i}"})),
        Operation("admin adjustment", lambda i: as_admin("POST", f"/v1/admin/members/{A}/adjustments",
                                                         {"adjustment_id": f"adj-{i}", "points": 100, "reason": "bench"})),
    ]


def announce_operation(written: list[dict[str, Any]]) -> Operation:
    """AnnounceFunction on a stream batch (up to its BatchSize) of the writes above: what each write costs later.
    The same batch is replayed, which changes nothing."""
    records = [r for r in written if "outbox" in r["dynamodb"].get("NewImage", {})]
    batch = records[:STREAM_BATCH]
    if not batch:
        raise RuntimeError("no member write to announce")
    return Operation(f"announce, per write (batch of {len(batch)})",
                     lambda i: ("AnnounceFunction", {"Records": batch}), http=False, items=len(batch))


def forget_counted_versions(i: int) -> None:
    """Untimed: drop the analytics' marks, so that the same batch is counted again (not found counted)."""
    for mark in AppliedItem.scan(AppliedItem.pk.startswith("applied#")):
        mark.delete()


def analytics_operation(written: list[dict[str, Any]]) -> Operation:
    """AnalyticsFunction on a stream batch (up to its BatchSize) of the writes above: what counting a write's
    figures costs, off the request path."""
    batch = [r for r in written if "figures" in r["dynamodb"].get("NewImage", {})][:ANALYTICS_BATCH]
    if not batch:
        raise RuntimeError("no member write to count")
    return Operation(f"analytics, per write (batch of {len(batch)})", lambda i: ("AnalyticsFunction", {"Records": batch}),
                     http=False, before=forget_counted_versions, items=len(batch), runs=5)


def cancel_previous_big_redemption(i: int) -> None:
    """Give the 1 000 lots back (untimed) so that each redemption draws on all of them again."""
    if i > 0:
        redemptions.cancel(LOTS_MEMBER, f"big-{i - 1}", datetime.now(UTC))


REDEEM_1000_LOTS = Operation(
    "redeem drawing on 1000 lots",
    lambda i: http_event("POST", f"/v1/members/{LOTS_MEMBER}/redemptions",
                        {"redemption_id": f"big-{i}", "reward_id": "coffee", "quantity": 10}),
    before=cancel_previous_big_redemption, key="redeem_1000_lots")
ACCRUE_AFTER_A_YEAR = Operation(
    "accrue purchase, 1y check-ins", lambda i: as_service("POST", f"/v1/members/{YEAR_MEMBER}/accruals", purchase(f"y-{i}")),
    key="accrue_heavy_member")


# -- what promotions add to an accrual -----------------------------------------------------------------------------

PROMOTED = "bench-promoted"
BUDGETED = "bench-budgeted"


def bench_promotions() -> list[dict[str, Any]]:
    """A combinable multiplier with no budget, a bonus with a budget (eight slices), and one whose budget is spent."""
    window = {"starts_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "ends_at": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return [
        {"promotion_id": "double", "name": "x2 on one sku", **window, "skus": ["PROMO-1"], "multiplier": "2"},
        {"promotion_id": "budgeted", "name": "a budgeted bonus", **window, "skus": ["PROMO-2"], "bonus_points": 10,
         "budget_points": 10**9},
        {"promotion_id": "spent", "name": "a budget that cannot cover it", **window, "skus": ["PROMO-3"],
         "bonus_points": 100, "budget_points": 80_000},
    ]


def bench_challenges() -> list[dict[str, Any]]:
    """One that every purchase counts towards and none completes, and one that a member's first purchase completes."""
    window = {"starts_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "ends_at": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return [
        {"challenge_id": "counted", "name": "ten thousand purchases", **window, "goal": {"purchases": 10_000},
         "window": "challenge", "bonus_points": 100},
        {"challenge_id": "first", "name": "a first purchase", **window, "goal": {"purchases": 1},
         "window": "challenge", "bonus_points": 50},
    ]


def enroll_challenger(i: int) -> None:
    """A new member per invocation (untimed): its purchase completes the `first` challenge."""
    run(*as_service("POST", "/v1/members", {"member_id": f"challenger-{i}"}))


def promoted_purchase(tx: str, sku: str) -> dict[str, Any]:
    return {**purchase(tx), "lines": [{"sku": sku, "amount_minor": 2_000}]}


def forget_short_slices(i: int) -> None:
    """Each container learns once that a spent budget's slices cannot cover a draw: measure that first time."""
    budgets.given_back()


def promotion_operations() -> list[Operation]:
    return [
        Operation("accrue purchase, no promotion", lambda i: as_service(
            "POST", f"/v1/members/{PROMOTED}/accruals", promoted_purchase(f"n-{i}", "OTHER"))),
        Operation("accrue purchase, a promotion", lambda i: as_service(
            "POST", f"/v1/members/{PROMOTED}/accruals", promoted_purchase(f"d-{i}", "PROMO-1"))),
        Operation("accrue purchase, a budgeted promotion", lambda i: as_service(
            "POST", f"/v1/members/{BUDGETED}/accruals", promoted_purchase(f"b-{i}", "PROMO-2"))),
        Operation("accrue purchase, spent budget (1st in a container)", lambda i: as_service(
            "POST", f"/v1/members/{BUDGETED}/accruals", promoted_purchase(f"s-{i}", "PROMO-3")),
            before=forget_short_slices),
        Operation("accrue purchase, spent budget (later)", lambda i: as_service(
            "POST", f"/v1/members/{BUDGETED}/accruals", promoted_purchase(f"l-{i}", "PROMO-3"))),
        Operation("accrue purchase, 2 challenges counted", lambda i: as_service(
            "POST", f"/v1/members/{PROMOTED}/accruals", promoted_purchase(f"c-{i}", "OTHER"))),
        Operation("accrue purchase completing a challenge", lambda i: as_service(
            "POST", f"/v1/members/challenger-{i}/accruals", promoted_purchase(f"f-{i}", "OTHER")),
            before=enroll_challenger),
    ]


def spend_budget(promotion_id: str, slices: int, share: int) -> None:
    """Fill every slice's counter up to its share (as if the budget had been given out), outside any measurement."""
    with CounterItem.batch_write() as batch:
        for k in range(slices):
            batch.save(CounterItem(f"budget#{promotion_id}#{k}", value=share))


def promotion_phase(bench: Bench) -> list[Figures]:
    with fresh_account():
        put_program({**program_document(), "promotions": bench_promotions(), "challenges": bench_challenges()})
        for member_id in (PROMOTED, BUDGETED):
            bench.invoke(as_service("POST", "/v1/members", {"member_id": member_id}))
        spend_budget("spent", 8, 10_000)
        return [bench.measure(op) for op in promotion_operations()]


@dataclass
class Sizes:
    member_after_lots: int = 0
    member_after_year: int = 0
    big_redemption_entry: int = 0


def request_phase(bench: Bench, sizes: Sizes) -> list[Figures]:
    """Each scenario in its own account: moto copies every table a transaction touches, so small tables keep
    the bench fast (DynamoDB's charges do not depend on table size)."""
    now = datetime.now(UTC)
    with fresh_account():
        for member_id in (A, B):
            bench.invoke(as_service("POST", "/v1/members", {"member_id": member_id}))
        for n in range(50):  # points to spend, and a full first history page
            admin.adjust(A, spending.AdjustmentCommand(f"float-{n}", "credit", 20_000, "bench float"), now)
        figures = [bench.measure(op) for op in everyday_operations()]
        written = take_records("MembersTable")
        figures.append(bench.measure(announce_operation(written)))
        figures.append(bench.measure(analytics_operation(written)))
    with fresh_account():
        progress("seeding a member with 1 000 lots")
        seed_many_lots(LOTS_MEMBER, 1000, now)
        sizes.member_after_lots = member_size(LOTS_MEMBER)
        figures.append(bench.measure(REDEEM_1000_LOTS))
        sizes.big_redemption_entry = stored_size("LedgerTable", {"member_id": {"S": LOTS_MEMBER},
                                                                 "entry_key": {"S": "redemption#big-1"}})
    with fresh_account():
        progress("seeding a member with a year of daily check-ins")
        seed_year_of_checkins(YEAR_MEMBER, now)
        sizes.member_after_year = member_size(YEAR_MEMBER)
        figures.append(bench.measure(ACCRUE_AFTER_A_YEAR))
    return figures


# -- the points clock --------------------------------------------------------------------------------------------

CLOCK_START = datetime.combine(date.today() + timedelta(days=30), datetime.min.time(), UTC) + timedelta(minutes=5)
FAR = (date.today() + timedelta(days=200)).isoformat()  # an expiry date no clock run reaches


def clock_member(n: int, buckets: dict[str, int], pending: int = 0) -> MemberState:
    wallet = Wallet(buckets={d: Bucket(credited=p) for d, p in buckets.items()}, pending=pending)
    return MemberState(member_id=f"m-{n:06d}", tier="Member", referral_code=f"C{n:07d}",
                       enrolled_at=CLOCK_START - timedelta(days=300), wallet=wallet,
                       lifetime=sum(buckets.values()) + pending)


def pending_lot(member_id: str, lot_id: str, available_at: datetime) -> Lot:
    return Lot(member_id, lot_id, "purchase", 10, available_at - timedelta(days=14), FAR, "pending",
               available_at=available_at, qualifying=True, amount_minor=1000, currency="USD")


def seed_expiry_round(when: datetime) -> None:
    """DUE members whose only expiry date is `when`'s day."""
    write_items([clock_member(n, {when.date().isoformat(): 100}) for n in range(DUE)], [], [])


def seed_release_round(when: datetime) -> None:
    """DUE other members, each holding one pending lot whose hold ended an hour before `when`."""
    members = [clock_member(n, {FAR: 100}, pending=10) for n in range(DUE, 2 * DUE)]
    write_items(members, [pending_lot(m.member_id, "accrual#held", when - timedelta(hours=1)) for m in members], [])


def seed_burst(when: datetime, lots: int) -> None:
    """One member with `lots` pending lots due at once: the clock's largest transactions."""
    member = clock_member(2 * DUE, {FAR: 100}, pending=10 * lots)
    write_items([member], [pending_lot(member.member_id, f"accrual#b{n}", when - timedelta(hours=1))
                           for n in range(lots)], [])


def clock_round(bench: Bench, figures: Figures, when: datetime, seed: Callable[[datetime], None]) -> None:
    """Seed what is due at `when` and run the clock: the first round is recorded, the others timed."""
    seed(when)
    if figures.calls:
        figures.cpu.append(bench.cpu(scheduled_event(when)))
        return
    figures.calls, report = bench.record(scheduled_event(when))
    if report["members"] + report["released_points"] == 0 or not report["complete"]:
        raise RuntimeError(f"the points clock did not find what was due at {when}: {report}")


def items_read_per_due(figures: Figures) -> float:
    """Every item the recorded clock run read (its index queries and any look-up), per item due."""
    return sum(c.items_read for c in figures.calls if c.service == "dynamodb") / figures.items


def one_due_runs(bench: Bench, expire: Figures, when: datetime) -> None:
    """The clock's CPU over --invocations runs, each with one member due (a new one each run, on the same day):
    per due member, an upper bound (each run's fixed cost, its queries of every index shard, on one member)."""
    expire.cpu, expire.cpu_items = [], 1
    for k in range(bench.invocations):
        write_items([clock_member(3 * DUE + k, {when.date().isoformat(): 100})], [], [])
        expire.cpu.append(bench.cpu(scheduled_event(when + timedelta(seconds=k))))


def clock_reads_at(bench: Bench, members: int) -> float:
    """Items the clock reads per due member on a table of `members` members, DUE of them due (one recorded run)."""
    with fresh_account():
        progress(f"points clock on {members} members: seeding")
        write_items([clock_member(n, {FAR: 100}) for n in range(members)], [], [])
        current_program()
        seed_expiry_round(CLOCK_START)
        run = Figures("points clock", "ExpireFunction", False, bench.record(scheduled_event(CLOCK_START))[0], items=DUE)
        return items_read_per_due(run)


def clock_phase(bench: Bench, members: int, rounds: int) -> tuple[list[Figures], Figures]:
    """Rounds on successive days: DUE members expire at 00:05, DUE pending lots are released at 12:05; then the
    one-due runs that time the clock."""
    with fresh_account():
        write_items([clock_member(n, {FAR: 100}) for n in range(members)], [], [])
        current_program()  # a warm container: the program document is cached
        expire = Figures("points clock: expire, per due member", "ExpireFunction", False, [], items=DUE, key="expire")
        release = Figures("points clock: release, per due lot", "ExpireFunction", False, [], items=DUE)
        for k in range(rounds):
            progress(f"points clock round {k + 1}/{rounds} on {members} members")
            clock_round(bench, expire, CLOCK_START + timedelta(days=k), seed_expiry_round)
            clock_round(bench, release, CLOCK_START + timedelta(days=k, hours=12), seed_release_round)
        when = CLOCK_START + timedelta(days=rounds + 1)
        seed_burst(when, 200)
        burst = Figures("points clock: 200 lots of one member", "ExpireFunction", False,
                        bench.record(scheduled_event(when))[0])
        progress(f"points clock: {bench.invocations} runs with one member due")
        one_due_runs(bench, expire, when + timedelta(days=1))
        return [expire, release], burst


# -- cold start --------------------------------------------------------------------------------------------------

def lambda_environment() -> dict[str, str]:
    """A deployed function's environment, Lambda-like: tracing on (POWERTOOLS_TRACE_DISABLED false; the import
    sets LAMBDA_TASK_ROOT), every function's variables."""
    return {"AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "bench", "POWERTOOLS_TRACE_DISABLED": "false",
            **{k: v for spec in FUNCTIONS.values() for k, v in spec.environment.items()}}


def cold_starts(repeat: int) -> dict[str, float]:
    """Import time of every function module and of a bare boto3, in the environment a deployed function has."""
    return cold_imports(LAYER, {name: spec.code_dir for name, spec in sorted(FUNCTIONS.items())}, lambda_environment(),
                        repeat, progress)


# -- report ------------------------------------------------------------------------------------------------------

def num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def requests_table(figures: list[Figures]) -> str:
    rows = [[f.name, f.function.removesuffix("Function"), num(f.per_item("is_read")), num(f.per_item("is_write")),
             str(f.max_tx_items), num(f.per_item("rru")), num(f.per_item("wru")), num(f.per_item("index_wru")),
             f.moto_cu, num(f.per_item("events")), f.other or "-"] for f in figures]
    return table(["operation", "function", "reads", "writes", "max tx items", "RRU", "WRU", "index WRU", "moto CU",
                  "events", "other calls"], rows)


def cost_table(figures: list[Figures]) -> str:
    rows = []
    for f in figures:
        c = f.cost()
        rows.append([f.name, f"{f.cpu_ms:.2f}", str(len(f.cpu)), f"{c.lambda_:.2f}", f"{c.dynamodb:.2f}",
                     f"{c.api:.2f}", f"{c.events:.2f}", f"{c.total:.2f}"])
    return table(["operation", "CPU ms", "runs", "Lambda $", "DynamoDB $", "HTTP API $", "EventBridge $",
                  "total $ / 1M ops"], rows)


def cold_table(cold: dict[str, float]) -> str:
    boto3_alone = cold["import_boto3"]
    return table(["function", "import ms", "x import boto3", "MemorySize MB"],
                 [[name, f"{sec * 1000:.0f}", f"{sec / boto3_alone:.2f}",
                   str(FUNCTIONS[name].memory) if name in FUNCTIONS else "-"] for name, sec in cold.items()])


def rule_checks(figures: list[Figures]) -> list[str]:
    """DESIGN.md: an accrual or a redemption is one transaction plus at most one read; no scan on a request path."""
    lines = []
    for f in figures:
        reads = f.per_item("is_read")
        shape = f"{f.name}: {f.transactions} transaction(s) + {num(reads)} read(s)"
        if f.name.startswith(("accrue", "redeem")):
            lines.append(f"{'ok  ' if f.transactions == 1 and reads <= 1 else 'OVER'}  {shape}")
        elif f.transactions and reads > 1 and f.items == 1:
            lines.append(f"info  {shape} (the rule names accruals and redemptions only)")
    scans = [f.name for f in figures if any(c.operation == "Scan" for c in f.calls)]
    lines.append(f"{'OVER' if scans else 'ok  '}  no Scan on any measured path{': ' + ', '.join(scans) if scans else ''}")
    return lines


def largest_transaction(figures: list[Figures]) -> str:
    items, where = max((f.max_tx_items, f.name) for f in figures)
    return f"largest transaction:  {items} items ({'ok' if items <= 100 else 'OVER'}, limit 100) in {where}"


def largest_item(figures: list[Figures]) -> str:
    size, table_name, where = max((c.largest_item, c.largest_table, f.name) for f in figures for c in f.calls)
    return f"largest item written: {size} B, {table_name} in {where}"


def clock_reads(figures: list[Figures], members: int) -> list[str]:
    """The clock's index queries return the due items only, whatever the number of members."""
    lines = []
    for f in figures:
        queries = [c for c in f.calls if c.operation == "Query"]
        if f.function == "ExpireFunction" and queries:
            lines.append(f"{f.name.split(',')[0]}: {len(queries)} index queries returned "
                         f"{sum(c.items_read for c in queries)} items on a table of {members} members")
    return lines


def size_lines(sizes: Sizes, figures: list[Figures]) -> list[str]:
    def verdict(size: int) -> str:
        return f"{size / 409_600:.1%} of the 400 KB item limit"

    return [f"member item after 1 000 lots:                {sizes.member_after_lots:>7} B ({verdict(sizes.member_after_lots)})",
            f"member item after a year of daily check-ins: {sizes.member_after_year:>7} B ({verdict(sizes.member_after_year)})",
            f"ledger entry of a redemption over 1 000 lots: {sizes.big_redemption_entry:>6} B",
            largest_item(figures), largest_transaction(figures)]


def trace(calls: list[Call]) -> str:
    """The requests in order; a long run (the clock) as counts of each kind of request."""
    labels = [c.label() for c in calls]
    if len(labels) <= 12:
        return " -> ".join(labels)
    return ", ".join(f"{n} x {label}" for label, n in Counter(labels).items())


NOTES = [
    "Lambda duration = handler CPU time measured here (a proxy: at 512 MB a function gets ~0.3 vCPU, and the "
    "billed duration also includes every DynamoDB/EventBridge round trip, a few ms each).",
    "Item size: UTF-8 names + values, numbers 1 B per 2 digits + 1, lists/maps 3 B + 1 B per element. Reads: "
    "4 KB units; consistent 1, eventual (indexes) 0.5; a miss costs the minimum; a Query sums its items. Writes: "
    "1 KB units, x2 in a transaction, on max(before, after); index upkeep 1 WRU/KB, 2 writes when an index key changes.",
    "Not included: CloudWatch Logs, X-Ray (Tracing: Active), the program's head (a 0.5-unit GetItem per container "
    "every 30 s, the revision item once per change), storage, "
    "free tiers, DynamoDB Streams reads (free for a Lambda trigger). Each write's events are published by "
    "AnnounceFunction from the Members table's stream (its own row, per write); each accrual also runs "
    "TierEvaluateFunction through the bus (its own row).",
]


def report(figures: list[Figures], burst: Figures, sizes: Sizes, cold: dict[str, float], members: int) -> str:
    return "\n".join([
        "DynamoDB requests and capacity units per operation (one recorded invocation; clock rows per due item)",
        requests_table(figures), "",
        "Handler CPU (median; moto's CPU subtracted) and estimated cost per million operations (us-east-1, arm64)",
        cost_table(figures), "",
        f"Cold start: `import app` in a fresh interpreter, in turns with a bare `import boto3` (median of {COLD_REPEAT})",
        cold_table(cold), "",
        "Rules (DESIGN.md, Scale and cost)", *rule_checks(figures), "",
        f"Sizes ({DUE} of {members} members due per clock round; 200 lots of one member released in "
        f"{burst.transactions} transactions)",
        *size_lines(sizes, [*figures, burst]), *clock_reads(figures, members), "",
        "Request trace of each recorded invocation", *(f"{f.name}: {trace(f.calls)}" for f in [*figures, burst]), "",
        "Assumptions", *(f"- {line}" for line in [*PRICES.describe(), *NOTES]),
        "- RRU/WRU are computed by this script; the moto CU column is what moto put in ConsumedCapacity.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000, help="members in the points-clock table (default 1000)")
    parser.add_argument("--big-members", type=int, default=100_000,
                        help="members of the second table the clock's reads are counted on (default 100000)")
    parser.add_argument("--invocations", type=int, default=1000,
                        help="timed invocations of each operation of bench/results.json (default 1000)")
    parser.add_argument("--runs", type=int, default=30, help="timed invocations of every other operation (default 30)")
    parser.add_argument("--cold-repeat", type=int, default=COLD_REPEAT,
                        help=f"fresh interpreters per function for the cold start (default {COLD_REPEAT})")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--promotions", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure accruals with promotions and budgets (default on)")
    parser.add_argument("--clock-rounds", type=int, default=3, help="points-clock rounds, the first recorded (default 3)")
    args = parser.parse_args()
    if args.members <= 2 * DUE:
        parser.error(f"--members must be more than {2 * DUE}")
    serialize_in_process_moto()
    bench, sizes = Bench(args.runs, args.invocations), Sizes()
    with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics are flushed to stdout
        figures = request_phase(bench, sizes)
        if args.promotions:
            figures += promotion_phase(bench)
        clock, burst = clock_phase(bench, args.members, max(2, args.clock_rounds))
        clock_reads = {str(args.members): items_read_per_due(clock[0]),
                       str(args.big_members): clock_reads_at(bench, args.big_members)}
    cold = cold_starts(args.cold_repeat)
    print(report([*figures, *clock], burst, sizes, cold, args.members))
    found = results.document([*figures, *clock], cold, clock_reads)
    results.write(args.output, found)
    print(f"\n{results.describe(found, results.timed([*figures, *clock]))}\n\nwritten to {args.output}")
    progress("done")


if __name__ == "__main__":
    main()
