"""next_fire: AWS 6-field cron (through aws-croniter) and rate expressions (UTC)."""

from datetime import UTC, datetime

import pytest

from local.cron import next_fire


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        # the template's schedules
        ("cron(5 0 * * ? *)", "2026-11-23T10:00", "2026-11-24T00:05"),
        ("cron(5 0 * * ? *)", "2026-11-23T00:04:59", "2026-11-23T00:05"),
        ("cron(5 0 * * ? *)", "2026-11-23T00:05", "2026-11-24T00:05"),  # strictly after
        ("cron(15 0 * * ? *)", "2026-12-31T23:59", "2027-01-01T00:15"),
        ("cron(0 9 ? * MON *)", "2026-11-23T08:59", "2026-11-23T09:00"),  # 2026-11-23 is a Monday
        ("cron(0 9 ? * MON *)", "2026-11-23T09:00", "2026-11-30T09:00"),
        ("cron(0 9 ? * MON *)", "2026-11-25T12:00", "2026-11-30T09:00"),
        # numbers for days: 1 = SUN ... 7 = SAT
        ("cron(0 9 ? * 2 *)", "2026-11-24T00:00", "2026-11-30T09:00"),
        ("cron(0 12 ? * SAT,SUN *)", "2026-11-23T00:00", "2026-11-28T12:00"),
        ("cron(0 12 ? * MON-FRI *)", "2026-11-27T12:00", "2026-11-30T12:00"),
        # lists, ranges, steps
        ("cron(0/15 * * * ? *)", "2026-01-01T10:07", "2026-01-01T10:15"),
        ("cron(*/20 8-9 * * ? *)", "2026-01-01T09:41", "2026-01-02T08:00"),
        ("cron(10,40 * * * ? *)", "2026-01-01T10:11", "2026-01-01T10:40"),
        ("cron(0 0 1 JAN,JUL ? *)", "2026-01-01T00:00", "2026-07-01T00:00"),
        ("cron(0 0 31 * ? *)", "2026-02-01T00:00", "2026-03-31T00:00"),  # months without a 31st
        ("cron(0 0 29 2 ? *)", "2025-03-01T00:00", "2028-02-29T00:00"),  # leap day
        ("cron(30 6 15 * ? 2027)", "2026-06-01T00:00", "2027-01-15T06:30"),
        ("cron(0 0 1 1 ? 2026-2027)", "2027-01-01T00:00", None),
        ("cron(0 0 31 2 ? *)", "2026-01-01T00:00", None),
        # last day, last weekday of the month, nth weekday, nearest weekday
        ("cron(0 0 L * ? *)", "2026-01-01T00:00", "2026-01-31T00:00"),
        ("cron(0 0 ? * 6L *)", "2026-01-01T00:00", "2026-01-30T00:00"),
        ("cron(0 0 ? * 6#3 *)", "2026-01-01T00:00", "2026-01-16T00:00"),
        ("cron(0 0 15W * ? *)", "2026-01-16T00:00", "2026-02-16T00:00"),  # 2026-02-15 is a Sunday
        # rates are aligned on the epoch
        ("rate(5 minutes)", "2026-01-01T10:07:30", "2026-01-01T10:10"),
        ("rate(1 minute)", "2026-01-01T10:07:00", "2026-01-01T10:08"),
        ("rate(2 hours)", "2026-01-01T10:07", "2026-01-01T12:00"),
        ("rate(1 day)", "2026-01-01T10:07", "2026-01-02T00:00"),
    ],
)
def test_next_fire(expr: str, after: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="never fires"):
            next_fire(expr, at(after))
    else:
        assert next_fire(expr, at(after)) == at(expected)


def test_result_is_aware_utc_and_naive_input_means_utc() -> None:
    result = next_fire("cron(5 0 * * ? *)", datetime(2026, 11, 23, 10, 0))
    assert result == at("2026-11-24T00:05")
    assert result.tzinfo is not None and result.utcoffset() == UTC.utcoffset(None)


def test_other_timezones_are_converted_to_utc() -> None:
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=1))
    assert next_fire("cron(5 0 * * ? *)", datetime(2026, 11, 24, 0, 30, tzinfo=paris)) == at("2026-11-24T00:05")


@pytest.mark.parametrize(
    "expr",
    [
        "cron(5 0 * * *)",  # 5 fields
        "cron(5 0 * * * *)",  # neither day field is ?
        "cron(5 0 ? * ? *)",  # both are
        "cron(60 0 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 ? * 6#6 *)",
        "cron(0 0 ? * FUNDAY *)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2026-01-01T00:00:00)",
        "5 0 * * ? *",
    ],
)
def test_invalid_expressions_are_refused(expr: str) -> None:
    with pytest.raises(ValueError):
        next_fire(expr, at("2026-01-01T00:00"))


def test_scheduled_event_is_what_eventbridge_sends() -> None:
    from local.scheduler import scheduled_event
    from local.template import Rule

    rule = Rule(name="ExpireFunction-Daily", function="ExpireFunction", schedule="cron(5 0 * * ? *)")
    event = scheduled_event(rule, next_fire(str(rule.schedule), at("2026-11-23T10:00")))
    assert {k: v for k, v in event.items() if k != "id"} == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-24T00:05:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/ExpireFunction-Daily"],
        "detail": {},
    }
