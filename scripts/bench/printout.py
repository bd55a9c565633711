"""The printed report: the requests and cost tables, cold starts, the design rules checked, item sizes, each
recorded invocation's request trace, and the assumptions behind the figures."""
from __future__ import annotations

from collections import Counter

from scripts.bench.clock_phase import DUE
from scripts.bench.instruments import Call
from scripts.bench.measuring import Figures, num
from scripts.bench.pricing import PRICES
from scripts.bench.project import FUNCTIONS
from scripts.bench.request_phase import Sizes


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


def report(figures: list[Figures], burst: Figures, sizes: Sizes, cold: dict[str, float], members: int,
           turns: int) -> str:
    return "\n".join([
        "DynamoDB requests and capacity units per operation (one recorded invocation; clock rows per due item)",
        requests_table(figures), "",
        "Handler CPU (median; moto's CPU subtracted) and estimated cost per million operations (us-east-1, arm64)",
        cost_table(figures), "",
        f"Cold start: `import app` in a fresh interpreter, in turns with a bare `import boto3` (median of {turns})",
        cold_table(cold), "",
        "Rules (DESIGN.md, Scale and cost)", *rule_checks(figures), "",
        f"Sizes ({DUE} of {members} members due per clock round; 200 lots of one member released in "
        f"{burst.transactions} transactions)",
        *size_lines(sizes, [*figures, burst]), *clock_reads(figures, members), "",
        "Request trace of each recorded invocation", *(f"{f.name}: {trace(f.calls)}" for f in [*figures, burst]), "",
        "Assumptions", *(f"- {line}" for line in [*PRICES.describe(), *NOTES]),
        "- RRU/WRU are computed by this script; the moto CU column is what moto put in ConsumedCapacity.",
    ])
