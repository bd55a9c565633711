"""EventBridge schedule expressions, in UTC: `cron(...)` through aws-croniter, `rate(N unit)` here (it has none)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aws_croniter import AwsCroniter

_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def _next_cron(fields: str, after: datetime) -> datetime:
    following = AwsCroniter(fields).get_next(after)[0]  # ValueError (its own subclasses) on a bad expression
    if following is None:
        raise ValueError(f"cron({fields}) never fires again")
    return following  # type: ignore[no-any-return]


def _next_rate(text: str, after: datetime) -> datetime:
    match = re.fullmatch(r"(\d+) ([a-z]+)", text)
    if not match or match.group(2) not in _RATE_UNITS or int(match.group(1)) < 1:
        raise ValueError(f"bad rate expression: rate({text})")
    period = int(match.group(1)) * _RATE_UNITS[match.group(2)]
    # Locally a rate is aligned on the epoch (rate(1 day) fires at 00:00 UTC), so firing times are reproducible.
    return datetime.fromtimestamp(int(after.timestamp()) // period * period + period, UTC)


def next_fire(expr: str, after: datetime) -> datetime:
    """First firing time (UTC, whole minute) strictly after `after` (naive means UTC)."""
    after = (after if after.tzinfo else after.replace(tzinfo=UTC)).astimezone(UTC)
    match = re.fullmatch(r"(cron|rate)\((.*)\)", expr.strip())
    if not match:
        raise ValueError(f"not a schedule expression: {expr!r}")
    kind, body = match.groups()
    return _next_cron(body, after) if kind == "cron" else _next_rate(body, after)
