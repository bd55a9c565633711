"""`make bench`: what each loyalty operation asks of AWS and what it would cost, measured in process on moto.

Method
  Every operation runs the real Lambda handler in this process (the events API Gateway v2 and EventBridge
  send) against moto (`mock_aws`, dummy credentials: nothing reaches AWS), on tables built from template.yaml.
  - Requests: every botocore API call is recorded (`BaseClient._make_api_call`, where PynamoDB and boto3
    meet) on one representative invocation, after a warm-up one (the program document cached from SSM and
    the clients created, as in a warm container).
  - Capacity units: computed here from the items read and written (DynamoDB's item-size rules and on-demand
    rounding), not taken from moto. Table writes are charged on the larger of the before- and after-image
    (read from moto around the write); index upkeep (sparse GSIs, the LSI) is charged at 1 WRU per KB.
  - CPU: `time.process_time` around the handler call minus the CPU spent inside moto (its request handler
    is timed), median of `--runs` invocations. Sleeping (conflict backoff) costs no CPU.
  - Cold start: `import app` of each function in a fresh interpreter, layer on sys.path, Lambda-like env.
  - Cost: list prices (printed) per million operations; handler CPU time stands in for billed duration.
  - The points clock runs on a table of `--members` members of which 100 have points due; its figures are
    per due member (expiry) or per due lot (release), from rounds re-seeded on successive days.
Wall-clock time is reported, never asserted.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "loyalty"
sys.path[:0] = [str(LAYER), str(ROOT)]
ENV = {  # as tests/conftest.py and the local runner set them; dummy credentials only
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "Loyalty", "POWERTOOLS_SERVICE_NAME": "loyalty",
    "LOG_LEVEL": "WARNING", "MEMBERS_TABLE": "MembersTable", "LEDGER_TABLE": "LedgerTable", "LOTS_TABLE": "LotsTable",
    "PROGRAM_TABLE": "ProgramTable", "EVENT_BUS_NAME": "LoyaltyBus", "PROGRAM_PARAMETER": "/loyalty/bench/program",
}
os.environ.update(ENV)
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SSM",
             "AWS_ENDPOINT_URL_EVENTS"):
    os.environ.pop(_var, None)
warnings.filterwarnings("ignore", "No application metrics to publish")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench_support import (  # noqa: E402
    Call,
    Cost,
    MotoCpu,
    Prices,
    Recorder,
    cost_per_million,
    import_seconds,
    item_size,
    table_schemas,
)
from local.atomic_moto import serialize_in_process_moto  # noqa: E402
from loyalty.domain import accrual, enrollment, spending  # noqa: E402
from loyalty.domain.ledger import LedgerEntry, Lot, Posting  # noqa: E402
from loyalty.domain.member import MemberState  # noqa: E402
from loyalty.domain.wallet import Bucket, Wallet  # noqa: E402
from loyalty.platform import bus  # noqa: E402
from loyalty.platform.program_source import current_program  # noqa: E402
from loyalty.service import spending as spending_service  # noqa: E402
from loyalty.storage import mapping, repository  # noqa: E402
from loyalty.storage.models import LedgerItem, LotItem, MemberItem  # noqa: E402
from tests.support import aws  # noqa: E402
from tests.support.functions import Context, module  # noqa: E402
from tests.support.functions import http_event as http  # noqa: E402

PRICES = Prices()
DUE = 100  # members (or lots) with points due in each points-clock round
Event = tuple[str, dict[str, Any]]  # (function logical id, event)


# -- world -------------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_account() -> Iterator[None]:
    """A new moto account provisioned from template.yaml; containers' cached clients are dropped."""
    with mock_aws():
        bus._client = None
        repository._connection = None
        aws.provision()
        yield


def write_items(members: list[MemberState], lots: list[Lot], entries: list[LedgerEntry]) -> None:
    """Seed state in bulk (BatchWriteItem), outside any measurement."""
    with MemberItem.batch_write() as batch:
        for member in members:
            batch.save(mapping.member_to_item(member))
    with LotItem.batch_write() as lot_batch:
        for lot in lots:
            lot_batch.save(mapping.lot_to_item(lot))
    with LedgerItem.batch_write() as entry_batch:
        for entry in entries:
            entry_batch.save(mapping.entry_to_item(entry))


def replay(member: MemberState, postings: list[Posting]) -> None:
    """Store the outcome of postings the domain computed in memory (a fake clock), as if each had committed."""
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
        postings.append(spending.adjust(current_program(), member, f"seed-{n}", "credit", 5, "bench seed", at))
    replay(member, postings)


def seed_year_of_checkins(member_id: str, now: datetime) -> None:
    """A member who checked in every day of the past year (one lot and one expiry date a day)."""
    start = now - timedelta(days=365)
    member, first = enrolled(member_id, start)
    postings = [first]
    for day in range(365):
        at = start + timedelta(days=day, hours=1)
        cmd = accrual.AccrualCommand(f"checkin-{day}", "activity", at, activity="checkin")
        postings.append(accrual.accrue(current_program(), member, cmd, at, None))
    replay(member, postings)


def stored_size(table: str, key: dict[str, Any]) -> int:
    item = boto3.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item_size(item)


def member_size(member_id: str) -> int:
    return stored_size("MembersTable", {"member_id": {"S": member_id}})


# -- operations --------------------------------------------------------------------------------------------------

@dataclass
class Operation:
    name: str
    event: Callable[[int], Event]  # the i-th invocation's event
    http: bool = True
    before: Callable[[int], None] | None = None  # untimed set-up of the i-th invocation
    items: int = 1  # operations one invocation performs (the clock: due items)


@dataclass
class Figures:
    name: str
    function: str
    http: bool
    items: int
    calls: list[Call]
    cpu: list[float] = field(default_factory=list)  # seconds per invocation

    def per_item(self, total: float) -> float:
        return total / self.items

    @property
    def reads(self) -> float:
        return self.per_item(sum(c.is_read for c in self.calls))

    @property
    def writes(self) -> float:
        return self.per_item(sum(c.is_write for c in self.calls))

    @property
    def transactions(self) -> int:
        return sum(c.operation == "TransactWriteItems" for c in self.calls)

    @property
    def tx_items(self) -> int:
        return max((c.tx_items for c in self.calls), default=0)

    @property
    def rru(self) -> float:
        return self.per_item(sum(c.rru for c in self.calls))

    @property
    def wru(self) -> float:
        return self.per_item(sum(c.wru for c in self.calls))

    @property
    def index_wru(self) -> float:
        return self.per_item(sum(c.index_wru for c in self.calls))

    @property
    def events(self) -> float:
        return self.per_item(sum(c.events for c in self.calls))

    @property
    def other(self) -> list[str]:
        return [f"{c.service}:{c.operation}" for c in self.calls if c.service not in ("dynamodb", "events")]

    @property
    def cpu_ms(self) -> float:
        return self.per_item(median(self.cpu)) * 1000 if self.cpu else float("nan")

    def cost(self, memory_mb: int) -> Cost:
        return cost_per_million(PRICES, invocations=1 / self.items, cpu_seconds=self.cpu_ms / 1000,
                                memory_mb=memory_mb, rru=self.rru, wru=self.wru + self.index_wru,
                                http=self.http, events=self.events)


class Bench:
    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.recorder = Recorder(table_schemas({lid: aws.TEMPLATE.resolve(aws.TEMPLATE.properties(lid))
                                                for lid in aws.TEMPLATE.of_type("AWS::DynamoDB::Table")}))
        self.moto = MotoCpu()
        self.recorder.install()
        self.moto.install()

    def invoke(self, event: Event) -> Any:
        function, payload = event
        result = module(function).handler(payload, Context())
        if isinstance(result, dict) and result.get("statusCode", 200) >= 300:
            raise RuntimeError(f"{function} answered {result['statusCode']}: {result.get('body')}")
        return result

    def measure(self, op: Operation, runs: int | None = None) -> Figures:
        """Invocation 0 warms up, 1 is recorded, 2.. are timed."""
        def prepared(i: int) -> Event:
            if op.before:
                op.before(i)
            return op.event(i)

        self.invoke(prepared(0))
        event = prepared(1)
        with self.recorder.recording() as calls:
            self.invoke(event)
        figures = Figures(op.name, event[0], op.http, op.items, calls)
        for i in range(2, 2 + (self.runs if runs is None else runs)):
            event = prepared(i)
            figures.cpu.append(self.moto.handler_cpu(partial(self.invoke, event)))
        return figures

    def record_once(self, op: Operation) -> Figures:
        """One recorded invocation, for what it asks of DynamoDB only."""
        event = op.event(0)
        with self.recorder.recording() as calls:
            self.invoke(event)
        return Figures(op.name, event[0], op.http, op.items, calls)


def scheduled_event(function: str, when: datetime) -> Event:
    return function, {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{function}"], "detail": {}}


def bus_event(function: str, detail_type: str, detail: dict[str, Any]) -> Event:
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return function, {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "loyalty",
                      "account": "123456789012", "time": when, "region": "us-east-1", "resources": [], "detail": detail}


# member ids of the request-path phase
A, B, LOTS_MEMBER, YEAR_MEMBER = "bench-a", "bench-b", "bench-lots", "bench-year"
MEMBER = {"sub": A, "scope": ""}  # a member acting on itself
ADMIN = {"scope": "loyalty/admin"}


def purchase(tx: str) -> dict[str, Any]:
    return {"transaction_id": tx, "kind": "purchase", "amount_minor": 12_345, "currency": "USD"}


def cancel_previous_big_redemption(i: int) -> None:
    """Give the 1 000 lots back (untimed) so each timed redemption draws on all of them again."""
    if i > 0:
        spending_service.cancel(LOTS_MEMBER, f"big-{i - 1}", datetime.now(UTC))


def request_operations() -> list[Operation]:
    return [
        Operation("enroll", lambda i: http("POST", "/v1/members", {"member_id": f"new-{i}"})),
        Operation("accrue purchase", lambda i: http("POST", f"/v1/members/{A}/accruals", purchase(f"p-{i}"))),
        Operation("accrue activity", lambda i: http("POST", f"/v1/members/new-{i}/accruals",
                                                    {"transaction_id": f"c-{i}", "kind": "activity",
                                                     "activity": "checkin"})),
        Operation("accrue purchase, 1y check-ins", lambda i: http("POST", f"/v1/members/{YEAR_MEMBER}/accruals",
                                                                  purchase(f"py-{i}"))),
        Operation("tier evaluate (PointsAccrued)", lambda i: bus_event("TierEvaluateFunction", "PointsAccrued",
                                                                       {"member_id": A}), http=False),
        Operation("member view", lambda i: http("GET", f"/v1/members/{A}", **MEMBER)),
        Operation("history page (50)", lambda i: http("GET", f"/v1/members/{A}/transactions", **MEMBER)),
        Operation("redeem", lambda i: http("POST", f"/v1/members/{A}/redemptions",
                                           {"redemption_id": f"r-{i}", "reward_id": "coffee"}, **MEMBER)),
        Operation("redeem drawing on 1000 lots",
                  lambda i: http("POST", f"/v1/members/{LOTS_MEMBER}/redemptions",
                                 {"redemption_id": f"big-{i}", "reward_id": "coffee", "quantity": 10}),
                  before=cancel_previous_big_redemption),
        Operation("cancel redemption", lambda i: http("POST", f"/v1/members/{A}/redemptions/r-{i}/cancellation",
                                                      **MEMBER)),
        Operation("transfer", lambda i: http("POST", f"/v1/members/{A}/transfers",
                                             {"transfer_id": f"x-{i}", "to_member_id": B, "points": 10}, **MEMBER)),
        Operation("reversal", lambda i: http("POST", f"/v1/members/{A}/accruals/p-{i}/reversals",
                                             {"reversal_id": f"rv-{i}"})),
        Operation("admin adjustment", lambda i: http("POST", f"/v1/admin/members/{A}/adjustments",
                                                     {"adjustment_id": f"adj-{i}", "points": 100, "reason": "bench"},
                                                     **ADMIN)),
    ]


@dataclass
class Sizes:
    member_after_lots: int = 0
    member_after_year: int = 0
    big_redemption_entry: int = 0
    largest_tx: int = 0
    largest_tx_where: str = ""
    largest_item: int = 0
    largest_item_where: str = ""


def request_phase(bench: Bench, sizes: Sizes) -> list[Figures]:
    with fresh_account():
        now = datetime.now(UTC)
        for member_id in (A, B):
            bench.invoke(http("POST", "/v1/members", {"member_id": member_id}))
        spending_service.adjust(A, "float", "credit", 1_000_000, "bench float", "f", now)
        progress("seeding 1 000 lots and a year of check-ins")
        seed_many_lots(LOTS_MEMBER, 1000, now)
        seed_year_of_checkins(YEAR_MEMBER, now)
        sizes.member_after_lots, sizes.member_after_year = member_size(LOTS_MEMBER), member_size(YEAR_MEMBER)
        figures = []
        for op in request_operations():
            progress(op.name)
            figures.append(bench.measure(op))
        sizes.big_redemption_entry = stored_size("LedgerTable", {"member_id": {"S": LOTS_MEMBER},
                                                                 "entry_key": {"S": "redemption#big-1"}})
        return figures


# -- the points clock --------------------------------------------------------------------------------------------

CLOCK_START = datetime.combine(date.today() + timedelta(days=30), datetime.min.time(), UTC) + timedelta(minutes=5)
FAR = (date.today() + timedelta(days=200)).isoformat()


def clock_member(n: int, buckets: dict[str, int], pending: int = 0) -> MemberState:
    wallet = Wallet(buckets={d: Bucket(credited=p) for d, p in buckets.items()}, pending=pending)
    return MemberState(member_id=f"m-{n:06d}", tier="Member", referral_code=f"C{n:07d}",
                       enrolled_at=CLOCK_START - timedelta(days=300), wallet=wallet, lifetime=sum(buckets.values()) + pending)


def pending_lot(member_id: str, lot_id: str, available_at: datetime) -> Lot:
    return Lot(member_id, lot_id, "purchase", 10, available_at - timedelta(days=14), FAR, "pending",
               available_at=available_at, qualifying=True, amount_minor=1000, currency="USD")


def seed_expiry_round(when: datetime) -> None:
    """DUE members whose one expiry date is `when`'s day."""
    write_items([clock_member(n, {when.date().isoformat(): 100}) for n in range(DUE)], [], [])


def seed_release_round(when: datetime) -> None:
    """DUE other members each holding one pending lot whose hold ended an hour before `when`."""
    members = [clock_member(n, {FAR: 100}, pending=10) for n in range(DUE, 2 * DUE)]
    write_items(members, [pending_lot(m.member_id, "accrual#held", when - timedelta(hours=1)) for m in members], [])


def seed_burst(when: datetime, lots: int) -> None:
    """One member with `lots` pending lots due at once: the clock's largest transactions."""
    member = clock_member(2 * DUE, {FAR: 100}, pending=10 * lots)
    write_items([member], [pending_lot(member.member_id, f"accrual#b{n}", when - timedelta(hours=1))
                           for n in range(lots)], [])


def clock_phase(bench: Bench, members: int, rounds: int) -> tuple[list[Figures], Figures]:
    """Rounds on successive days: DUE members expire at 00:05, DUE pending lots are released at 12:05."""
    with fresh_account():
        write_items([clock_member(n, {FAR: 100}) for n in range(members)], [], [])
        expire = Figures("points clock: expire, per due member", "ExpireFunction", False, DUE, [])
        release = Figures("points clock: release, per due lot", "ExpireFunction", False, DUE, [])
        for k in range(rounds):
            progress(f"points clock round {k + 1}/{rounds}")
            day = CLOCK_START + timedelta(days=k)
            clock_round(bench, expire, day, seed_expiry_round, recorded=k == 0)
            clock_round(bench, release, day + timedelta(hours=12), seed_release_round, recorded=k == 0)
        when = CLOCK_START + timedelta(days=rounds + 1)
        seed_burst(when, 200)
        burst = bench.record_once(Operation("points clock: 200 lots of one member",
                                            lambda i: scheduled_event("ExpireFunction", when), http=False))
        return [expire, release], burst


def clock_round(bench: Bench, figures: Figures, when: datetime, seed: Callable[[datetime], None],
                recorded: bool) -> None:
    seed(when)
    event = scheduled_event("ExpireFunction", when)
    if recorded:
        with bench.recorder.recording() as calls:
            report = bench.invoke(event)
        figures.calls = calls
    else:
        figures.cpu.append(bench.moto.handler_cpu(partial(bench.invoke, event)))
        report = None
    if report is not None and report["members"] + report["released_points"] == 0:
        raise RuntimeError(f"the points clock found nothing due at {when}: {report}")


# -- cold start --------------------------------------------------------------------------------------------------

def cold_starts() -> dict[str, float]:
    """Import time of every function module, Lambda-like: tracing on (LAMBDA_TASK_ROOT set), as deployed."""
    env = {**ENV, "POWERTOOLS_TRACE_DISABLED": "false", "AWS_LAMBDA_FUNCTION_NAME": "bench"}
    found = {}
    for lid, spec in sorted(aws.TEMPLATE.functions().items()):
        progress(f"cold import {lid}")
        found[lid] = import_seconds(LAYER, spec.code_dir, {**env, "LAMBDA_TASK_ROOT": str(spec.code_dir)})
    return found


# -- report ------------------------------------------------------------------------------------------------------

STARTED = time.perf_counter()


def progress(text: str) -> None:
    print(f"  {time.perf_counter() - STARTED:6.1f}s  {text}", file=sys.stderr, flush=True)


def num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def requests_table(figures: list[Figures]) -> str:
    rows = [[f.name, f.function.removesuffix("Function"), num(f.reads), num(f.writes), str(f.tx_items),
             num(f.rru), num(f.wru), num(f.index_wru), num(f.events), ",".join(f.other) or "-"] for f in figures]
    return table(["operation", "function", "reads", "writes", "max tx items", "RRU", "WRU", "index WRU",
                  "events", "other calls"], rows)


def cost_table(figures: list[Figures], memory: dict[str, int]) -> str:
    rows = []
    for f in figures:
        c = f.cost(memory[f.function])
        rows.append([f.name, f"{f.cpu_ms:.2f}", str(len(f.cpu)), f"{c.lambda_:.2f}", f"{c.dynamodb:.2f}",
                     f"{c.api:.2f}", f"{c.events:.2f}", f"{c.total:.2f}"])
    return table(["operation", "CPU ms", "runs", "Lambda $", "DynamoDB $", "HTTP API $", "EventBridge $",
                  "total $ / 1M ops"], rows)


def rule_checks(figures: list[Figures]) -> list[str]:
    """DESIGN.md: an accrual or a redemption is one transaction plus at most one read; no scan on a request path."""
    lines = []
    for f in figures:
        if f.name.startswith(("accrue", "redeem")):
            fine = f.transactions == 1 and f.reads <= 1
            lines.append(f"{'ok  ' if fine else 'OVER'}  {f.name}: {f.transactions} transaction(s) + {num(f.reads)} read(s)")
    scans = [f.name for f in figures if any(c.operation == "Scan" for c in f.calls)]
    lines.append(f"{'OVER' if scans else 'ok  '}  no Scan on any measured path{': ' + ', '.join(scans) if scans else ''}")
    return lines


def traces(figures: list[Figures]) -> list[str]:
    return [f"{f.name}: " + " -> ".join(c.label() for c in f.calls) for f in figures]


def reported_capacity(figures: list[Figures]) -> str:
    reported = [c.reported_cu for f in figures for c in f.calls if c.service == "dynamodb"]
    given = [r for r in reported if r is not None]
    return (f"moto returned ConsumedCapacity on {len(given)} of {len(reported)} DynamoDB requests "
            f"(sum {num(sum(given))} CU); the RRU/WRU above are computed by this script, not taken from moto.")


def note_largest(sizes: Sizes, figures: list[Figures]) -> None:
    for f in figures:
        for c in f.calls:
            if c.tx_items > sizes.largest_tx:
                sizes.largest_tx, sizes.largest_tx_where = c.tx_items, f.name
            if c.largest_item > sizes.largest_item:
                sizes.largest_item, sizes.largest_item_where = c.largest_item, f"{f.name} ({c.target})"


def size_lines(sizes: Sizes) -> list[str]:
    limit = 400 * 1024
    verdict = lambda n: "ok" if n < limit / 4 else "NEAR LIMIT"  # noqa: E731
    return [
        f"member item after 1 000 lots:                {sizes.member_after_lots:>7} B  ({verdict(sizes.member_after_lots)}; limit 409 600 B)",
        f"member item after a year of daily check-ins: {sizes.member_after_year:>7} B  ({verdict(sizes.member_after_year)})",
        f"ledger entry of a redemption over 1 000 lots: {sizes.big_redemption_entry:>6} B",
        f"largest item written:                        {sizes.largest_item:>7} B  ({sizes.largest_item_where})",
        f"largest transaction: {sizes.largest_tx} items ({'ok' if sizes.largest_tx <= 100 else 'OVER'}, limit 100) "
        f"in {sizes.largest_tx_where}",
    ]


def report(figures: list[Figures], burst: Figures, sizes: Sizes, cold: dict[str, float], members: int) -> str:
    specs = aws.TEMPLATE.functions()
    memory = {lid: spec.memory for lid, spec in specs.items()}
    note_largest(sizes, [*figures, burst])
    cold_rows = [[lid, f"{sec * 1000:.0f}", str(memory[lid])] for lid, sec in cold.items()]
    out = [
        "DynamoDB requests and capacity per operation (one recorded invocation; clock rows per due item)",
        requests_table(figures), "",
        "Handler CPU (median, moto's own CPU subtracted) and estimated cost per million operations",
        cost_table(figures, memory), "",
        "Cold start: `import app` in a fresh interpreter (median of 3)",
        table(["function", "import ms", "MemorySize MB"], cold_rows), "",
        "Rules (DESIGN.md, Scale and cost)", *rule_checks(figures), "",
        f"Sizes (points clock: {DUE} of {members} members due; burst: {burst.transactions} transactions for 200 lots "
        f"of one member)", *size_lines(sizes), "",
        "Request trace of the recorded invocation", *traces([*figures, burst]), "",
        "Assumptions", *(f"- {p}" for p in PRICES.describe()), *(f"- {n}" for n in NOTES),
        f"- {reported_capacity(figures)}",
    ]
    return "\n".join(out)


NOTES = [
    "Lambda duration = handler CPU time on this machine (a proxy: at 512 MB a function gets ~0.3 vCPU, and "
    "billed time also includes each DynamoDB/EventBridge round trip, a few ms each).",
    "Item size: UTF-8 names + values, numbers 1 byte per 2 digits + 1, lists/maps 3 B + 1 B per element. "
    "Reads: 4 KB units, consistent 1, eventual (GSI) 0.5, a miss costs the minimum; Query sums its items. "
    "Writes: 1 KB units, x2 in a transaction, on max(before, after); index upkeep at 1 WRU/KB (2 writes when "
    "an index key changes).",
    "Not included: CloudWatch Logs, X-Ray (Tracing: Active), SSM (one GetParameter per container per 5 min), "
    "storage, free tiers. An accrual also invokes TierEvaluateFunction through the bus (its own row).",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2000, help="members in the points-clock table (default 2000)")
    parser.add_argument("--runs", type=int, default=30, help="timed invocations per operation (default 30)")
    parser.add_argument("--clock-rounds", type=int, default=5, help="points-clock rounds (first recorded)")
    args = parser.parse_args()
    if args.members < 2 * DUE + 1:
        parser.error(f"--members must be at least {2 * DUE + 1}")
    serialize_in_process_moto()
    bench, sizes = Bench(args.runs), Sizes()
    with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics flush to stdout
        figures = request_phase(bench, sizes)
        clock, burst = clock_phase(bench, args.members, max(2, args.clock_rounds))
    cold = cold_starts()
    print(report([*figures, *clock], burst, sizes, cold, args.members))


if __name__ == "__main__":
    main()
