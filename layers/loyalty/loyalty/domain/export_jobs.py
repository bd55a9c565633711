"""Export jobs for BI: what a job is, where its files go, which ledger entries a range selects, and the daily
exports. No AWS here: storage keeps the job item and the files, the service runs the steps."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

Kind = Literal["ledger", "members"]
Status = Literal["running", "done", "failed"]
DAILY_PREFIX = "daily"  # daily/<kind>/day=YYYY-MM-DD/<kind>.jsonl.gz: the Athena tables' partitions
ON_DEMAND_PREFIX = "exports"  # exports/<export_id>/<kind>.jsonl.gz
PARTS_PREFIX = "parts"  # one gzip file per step, joined into the export when the last step is done


@dataclass(frozen=True)
class Part:
    key: str
    rows: int


@dataclass
class ExportJob:
    """One export. It advances one step at a time (a page of the table read, its lines written as one part) by a
    write conditional on the run and the step, so a duplicated or retried invocation never counts a page twice."""

    export_id: str
    kind: Kind
    run: str  # a new run of the same job (a daily re-run) ignores what an earlier run left
    started_at: datetime
    object_key: str
    from_day: date | None = None
    to_day: date | None = None
    status: Status = "running"
    step: int = 0
    rows: int = 0
    parts: list[Part] = field(default_factory=list)
    cursor: dict[str, Any] | None = None  # where the next page starts; None with `scanned` set: read to the end
    scanned: bool = False

    def part_key(self, token: str) -> str:
        """Where this step's part goes: the invocation's own token, so that a duplicate that loses the step's
        write never overwrites the part that won it."""
        return f"{PARTS_PREFIX}/{self.export_id}/{self.run}/{self.step:06d}-{token}.jsonl.gz"

    def advanced(self, part: Part | None, cursor: dict[str, Any] | None) -> ExportJob:
        """The job after one more step: `part` holds the page's lines (None: the page selected none)."""
        parts = [*self.parts, part] if part else list(self.parts)
        return dataclasses.replace(self, step=self.step + 1, rows=self.rows + (part.rows if part else 0),
                                   parts=parts, cursor=cursor, scanned=cursor is None)


def on_demand(export_id: str, kind: Kind, from_day: date | None, to_day: date | None, run: str,
              now: datetime) -> ExportJob:
    return ExportJob(export_id, kind, run, now, f"{ON_DEMAND_PREFIX}/{export_id}/{kind}.jsonl.gz", from_day, to_day)


def daily_id(kind: Kind, day: date) -> str:
    return f"daily-{kind}-{day.isoformat()}"


def daily(fired_at: datetime, run: str) -> list[ExportJob]:
    """The daily exports of a schedule that fired at `fired_at`: the ledger entries of the day before, and the
    members as they are. Their ids and files are the day's, so a re-run of the day writes the same objects."""
    day = fired_at.date() - timedelta(days=1)
    return [ExportJob(daily_id(kind, day), kind, run, fired_at,
                      f"{DAILY_PREFIX}/{kind}/day={day.isoformat()}/{kind}.jsonl.gz",
                      *((day, day) if kind == "ledger" else (None, None)))
            for kind in ("ledger", "members")]


def ledger_window(from_day: date | None, to_day: date | None) -> tuple[str | None, str | None]:
    """The range of an entry's `posted_at` (ISO time + key) that the days select: [low, high)."""
    low = None if from_day is None else f"{from_day.isoformat()}T00:00:00"
    high = None if to_day is None else f"{(to_day + timedelta(days=1)).isoformat()}T00:00:00"
    return low, high

