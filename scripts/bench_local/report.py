"""The figures: a table per measurement, the issue's two goals as ratios, and the same as JSON."""
from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .load import Measurement

DATA_GOAL = 0.9  # the 100 000-item throughput within 10 % of the empty one
CONCURRENCY_GOAL = 1.0  # 50 clients answer at least as many requests per second as one


@dataclass
class Row:
    tables: str  # "empty" or "seeded"
    items: int  # in all tables when the measurement started
    machine_load: float  # the 1-minute load average then: other work on the machine stretches the timings
    measurement: Measurement


@dataclass
class Ratio:
    name: str
    value: float
    goal: float

    @property
    def meets(self) -> bool:
        return self.value >= self.goal


def table(rows: list[Row]) -> str:
    lines = [f"{'clients':>7} {'tables':>7} {'items':>8} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'errors':>6} {'cpu ms/req':>10} {'load':>5}  errors by status / expected refusals"]
    for row in rows:
        m = row.measurement
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(m.errors.items())) or "-"
        refused = ", ".join(f"{k}: {v}" for k, v in sorted(m.refused.items())) or "-"
        lines.append(f"{m.clients:>7} {row.tables:>7} {row.items:>8} {m.requests:>8} {m.requests_per_second:>7.1f} "
                     f"{m.p50_ms:>7.0f} {m.p99_ms:>7.0f} {m.error_count:>6} {m.server_cpu_ms_per_request:>10.1f} "
                     f"{row.machine_load:>5.1f}  {detail} / {refused}")
    return "\n".join(lines)


def ratios(rows: list[Row]) -> list[Ratio]:
    """100k/empty requests/s per client count, and many clients / one client on each table size."""
    rps = {(r.tables, r.measurement.clients): r.measurement.requests_per_second for r in rows}
    low, high = min(c for _, c in rps), max(c for _, c in rps)
    found = [Ratio(f"{c} client{'s' if c > 1 else ''}: seeded / empty req/s", _ratio(rps, ("seeded", c), ("empty", c)),
                   DATA_GOAL) for c in (low, high)]
    found += [Ratio(f"{t} tables: {high} clients / {low} client req/s", _ratio(rps, (t, high), (t, low)),
                    CONCURRENCY_GOAL) for t in ("empty", "seeded")]
    return found


def _ratio(rps: dict[tuple[str, int], float], top: tuple[str, int], bottom: tuple[str, int]) -> float:
    return rps.get(top, 0.0) / rps[bottom] if rps.get(bottom) else 0.0


def ratio_lines(found: list[Ratio]) -> str:
    return "\n".join(f"{r.name}: {r.value:.2f} (goal >= {r.goal:.2f}): {'meets goal' if r.meets else 'misses goal'}"
                     for r in found)


def commit() -> str | None:
    """The commit measured (`-dirty` when tracked files differ from it)."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def write(path: Path, rows: list[Row], found: list[Ratio], extra: dict[str, Any]) -> None:
    doc = {**extra,
           "rows": [{"tables": r.tables, "items": r.items, "machine_load": r.machine_load, **asdict(r.measurement),
                     "requests_per_second": r.measurement.requests_per_second,
                     "server_cpu_ms_per_request": r.measurement.server_cpu_ms_per_request,
                     "error_count": r.measurement.error_count} for r in rows],
           "ratios": [{**asdict(r), "meets_goal": r.meets} for r in found]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
