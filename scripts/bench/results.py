"""bench/results.json: the figures of issue 11's eight operations, the cold starts and the clock's reads.

The floor (`floor_wcu`) is one transaction of the member item and its ledger entry, each at most 1 KB: 2 items x
1 KB x 2 (a transactional write costs twice) = 4 WCU, plus 1 WCU for the ledger entry's copy in the history index
(LedgerTable's by_time LSI, projection ALL). An operation that posts no ledger entry (a read; a tier evaluation
that changes no tier) has a floor of 0. `wcu` is what the operation wrote: table writes plus index upkeep."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

LEDGER_FLOOR_WCU = 2 * 1 * 2 + 1  # member item + ledger entry in one transaction, + the entry's history index copy
POSTS_NOTHING = {"read", "tier_evaluate"}
OPERATIONS = ["enroll", "accrue", "accrue_heavy_member", "redeem", "redeem_1000_lots", "read", "expire",
              "tier_evaluate"]


class Measured(Protocol):
    key: str | None
    cpu: list[float]

    @property
    def dynamodb_requests(self) -> float: ...

    def per_item(self, attribute: str) -> float: ...

    def cpu_percentile(self, p: int) -> float: ...

    def cost(self) -> Any: ...


def floor_wcu(operation: str) -> int:
    return 0 if operation in POSTS_NOTHING else LEDGER_FLOOR_WCU


def _figures(f: Measured, operation: str) -> dict[str, float]:
    return {"dynamodb_requests": round(f.dynamodb_requests, 2), "rcu": round(f.per_item("rru"), 2),
            "wcu": round(f.per_item("wru") + f.per_item("index_wru"), 2), "floor_wcu": floor_wcu(operation),
            "cpu_ms_p50": round(f.cpu_percentile(50), 2), "cpu_ms_p99": round(f.cpu_percentile(99), 2)}


def document(figures: list[Any], cold: dict[str, float], clock_reads: dict[str, float]) -> dict[str, Any]:
    by_key: dict[str, Measured] = {f.key: f for f in figures if f.key}
    missing = set(OPERATIONS) - set(by_key)
    if missing:
        raise RuntimeError(f"the bench measured none of {sorted(missing)}")
    return {"operations": {op: _figures(by_key[op], op) for op in OPERATIONS},
            "cold_start_ms": {name: round(seconds * 1000, 1) for name, seconds in cold.items()},
            "clock_items_read_per_due_item": {size: round(reads, 3) for size, reads in clock_reads.items()},
            "cost_usd_per_million": {op: round(by_key[op].cost().total, 2) for op in OPERATIONS}}


def timed(figures: list[Any]) -> dict[str, int]:
    """Invocations timed for each operation's CPU percentiles."""
    return {f.key: len(f.cpu) for f in figures if f.key}


def write(path: Path, found: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


def describe(found: dict[str, Any], runs: dict[str, int]) -> str:
    """Every figure of results.json, as a table per section."""
    lines = [f"bench/results.json (floor_wcu: {LEDGER_FLOOR_WCU} = a member item and a ledger entry of <= 1 KB in one "
             "transaction, + the entry's history index copy; 0 for an operation that posts nothing)",
             f"{'operation':<22}{'requests':>9}{'rcu':>8}{'wcu':>8}{'floor':>7}{'x floor':>8}{'cpu p50 ms':>11}"
             f"{'cpu p99 ms':>11}{'timed':>7}{'$ / 1M':>9}"]
    for op, f in found["operations"].items():
        ratio = f"{f['wcu'] / f['floor_wcu']:.2f}" if f["floor_wcu"] else "-"
        lines.append(f"{op:<22}{f['dynamodb_requests']:>9g}{f['rcu']:>8g}{f['wcu']:>8g}{f['floor_wcu']:>7}{ratio:>8}"
                     f"{f['cpu_ms_p50']:>11.2f}{f['cpu_ms_p99']:>11.2f}{runs[op]:>7}"
                     f"{found['cost_usd_per_million'][op]:>9.2f}")
    boto3_alone = found["cold_start_ms"]["import_boto3"]
    lines += ["", f"cold start ms (x a bare import boto3 of {boto3_alone:g} ms in the same run):"]
    lines += [f"  {name:<24}{ms:>8.1f}{ms / boto3_alone:>7.2f}x" for name, ms in found["cold_start_ms"].items()]
    lines += ["", "points clock, items read per due item: "
              + ", ".join(f"{size} members: {v:g}" for size, v in found["clock_items_read_per_due_item"].items())]
    return "\n".join(lines)
