"""The rules of export jobs: the ledger range a request selects, the daily jobs, a step's bookkeeping."""
from __future__ import annotations

from datetime import UTC, date, datetime

from loyalty.domain import export_jobs as exports

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


def test_the_days_select_posted_at_from_the_first_midnight_to_the_one_after_the_last() -> None:
    low, high = exports.ledger_window(date(2026, 11, 1), date(2026, 11, 30))
    assert (low, high) == ("2026-11-01T00:00:00", "2026-12-01T00:00:00")
    assert low is not None and high is not None
    inside, after = "2026-11-30T23:59:59.999999Z#accrual#tx", "2026-12-01T00:00:00.000000Z#accrual#tx"
    assert low <= inside < high and not after < high
    assert exports.ledger_window(None, None) == (None, None)


def test_the_daily_jobs_are_the_day_before_and_keyed_by_it() -> None:
    ledger, members = exports.daily(NOW, "run-1")
    assert (ledger.export_id, ledger.from_day, ledger.to_day) == ("daily-ledger-2026-11-22", date(2026, 11, 22),
                                                                  date(2026, 11, 22))
    assert ledger.object_key == "daily/ledger/day=2026-11-22/ledger.jsonl.gz"
    assert (members.export_id, members.from_day, members.to_day) == ("daily-members-2026-11-22", None, None)
    assert members.object_key == "daily/members/day=2026-11-22/members.jsonl.gz"
    again = exports.daily(NOW, "run-2")  # a re-run: another run, the same ids and objects
    assert [(j.export_id, j.object_key) for j in again] == [(j.export_id, j.object_key) for j in (ledger, members)]


def test_a_step_adds_its_part_and_rows_and_the_last_one_marks_the_scan_done() -> None:
    job = exports.on_demand("e-1", "ledger", None, None, "run-1", NOW)
    assert job.object_key == "exports/e-1/ledger.jsonl.gz" and job.status == "running"
    first = job.advanced(exports.Part(job.part_key("a"), 3), {"k": {"S": "x"}})
    assert first.part_key("b") == "parts/e-1/run-1/000001-b.jsonl.gz"
    empty = first.advanced(None, {"k": {"S": "y"}})  # a page the range selected nothing of
    last = empty.advanced(exports.Part(empty.part_key("c"), 2), None)
    assert (last.step, last.rows, [p.rows for p in last.parts], last.scanned) == (3, 5, [3, 2], True)
    assert (job.step, job.rows, job.parts, job.scanned) == (0, 0, [], False)  # each step is a new job value
