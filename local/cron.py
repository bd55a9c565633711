"""EventBridge schedule expressions: `cron(min hour day-of-month month day-of-week year)` and `rate(N unit)`.

Supported: `*`, `?`, lists, ranges, steps, month names JAN-DEC and day names SUN-SAT (1 = SUN ... 7 = SAT, as in AWS).
Not supported (ValueError): `L`, `W`, `#`. Everything is UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                        "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MAX_YEAR = 2199


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?`, the day-of-week field decides
    months: frozenset[int]
    weekdays: frozenset[int] | None  # AWS numbering, 1 = SUN; None: `?`
    years: frozenset[int]

    def day_matches(self, t: datetime) -> bool:
        if self.days is not None and t.day not in self.days:
            return False
        aws_weekday = (t.weekday() + 1) % 7 + 1  # Monday (0) -> 2, Sunday (6) -> 1
        return self.weekdays is None or aws_weekday in self.weekdays


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            start = _value(first, names)
            end = _value(last, names) if last else (high if step_text else start)
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"cron field {text!r} out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(token: str, names: dict[str, int] | None) -> int:
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron value: {token!r}")
    return int(token)


def parse_cron(fields: str) -> Cron:
    parts = fields.split()
    if len(parts) != 6:
        raise ValueError(f"cron needs 6 fields, got {fields!r}")
    minute, hour, dom, month, dow, year = parts
    if (dom == "?") == (dow == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
    return Cron(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days=None if dom == "?" else _field(dom, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        weekdays=None if dow == "?" else _field(dow, 1, 7, _DAYS),
        years=_field(year, 1970, _MAX_YEAR),
    )


def _next_cron(cron: Cron, after: datetime) -> datetime:
    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t.year <= _MAX_YEAR:
        if t.year not in cron.years:
            t = t.replace(year=t.year + 1, month=1, day=1, hour=0, minute=0)
        elif t.month not in cron.months:
            t = (t.replace(day=28, hour=0, minute=0) + timedelta(days=4)).replace(day=1)
        elif not cron.day_matches(t):
            t = t.replace(hour=0, minute=0) + timedelta(days=1)
        elif t.hour not in cron.hours:
            t = t.replace(minute=0) + timedelta(hours=1)
        elif t.minute not in cron.minutes:
            t += timedelta(minutes=1)
        else:
            return t
    raise ValueError("cron expression never fires again")


def _next_rate(text: str, after: datetime) -> datetime:
    match = re.fullmatch(r"\s*(\d+)\s+([a-z]+)\s*", text)
    if not match or match.group(2) not in _RATE_UNITS or int(match.group(1)) < 1:
        raise ValueError(f"bad rate expression: rate({text})")
    period = int(match.group(1)) * _RATE_UNITS[match.group(2)]
    # Locally a rate is aligned on the epoch (rate(1 day) fires at 00:00 UTC), so firing times are reproducible.
    ts = int(after.timestamp()) // period * period + period
    return datetime.fromtimestamp(ts, UTC)


def next_fire(expr: str, after: datetime) -> datetime:
    """First firing time (UTC, whole minute) strictly after `after` (naive means UTC)."""
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    after = after.astimezone(UTC)
    match = re.fullmatch(r"\s*(cron|rate)\((.*)\)\s*", expr)
    if not match:
        raise ValueError(f"not a schedule expression: {expr!r}")
    kind, body = match.groups()
    return _next_cron(parse_cron(body), after) if kind == "cron" else _next_rate(body, after)
