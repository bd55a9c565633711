"""Dates and times of the program, all UTC."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def day_start(day: date | str) -> str:
    """The instant a date begins, the moment points dated to it expire."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(d, time(0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry_date(earned_at: datetime, expiry_days: int) -> str:
    return (earned_at.astimezone(UTC).date() + timedelta(days=expiry_days)).isoformat()
