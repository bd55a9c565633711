"""EventBridge event patterns, matched by moto's own matcher (the bus's rules and the streams' FilterCriteria use it).

Where moto differs from EventBridge, in cases template.yaml does not use: a boolean equals the number it is in
Python (`[0]` matches `false`), and an object with two operators or an unknown one is not refused."""

import json
from typing import Any

import pytest
from moto.events.exceptions import InvalidEventPatternException
from moto.events.models import EventPattern

from tests.support.aws import TEMPLATE


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(event))

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "e-1",
    "detail-type": "PaymentCaptured",
    "source": "payments",
    "account": "123456789012",
    "region": "us-east-1",
    "resources": ["arn:aws:a", "arn:aws:b"],
    "detail": {
        "member_id": "m-1",
        "amount_minor": 12345,
        "currency": "USD",
        "channel": "online",
        "gift": False,
        "note": None,
        "lines": [{"sku": "A1"}],
        "tags": ["blue", "green"],
        "address": {"country": "FR"},
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"source": ["payments"]},
        {"source": ["shop", "payments"], "detail-type": ["PaymentCaptured"]},
        {"detail": {"currency": ["USD"]}},
        {"detail": {"address": {"country": ["FR", "DE"]}}},
        {"detail": {"amount_minor": [12345]}},
        {"detail": {"amount_minor": [12345.0]}},
        {"detail": {"gift": [False]}},
        {"detail": {"note": [None]}},
        {"detail": {"tags": ["green"]}},  # an array in the event matches when any element does
        {"resources": ["arn:aws:b"]},
        {"detail-type": [{"prefix": "Payment"}]},
        {"detail-type": [{"suffix": "Captured"}]},
        {"detail-type": [{"prefix": {"equals-ignore-case": "payment"}}]},
        {"detail": {"currency": [{"equals-ignore-case": "usd"}]}},
        {"detail-type": [{"wildcard": "Payment*ed"}]},
        {"detail-type": [{"anything-but": "PaymentRefunded"}]},
        {"detail-type": [{"anything-but": ["PaymentRefunded", "Other"]}]},
        {"detail-type": [{"anything-but": {"prefix": "Points"}}]},
        {"detail": {"amount_minor": [{"numeric": [">", 100, "<=", 12345]}]}},
        {"detail": {"member_id": [{"exists": True}]}},
        {"detail": {"referral_code": [{"exists": False}]}},
        {"detail": {"channel": ["store", {"prefix": "on"}]}},
    ],
)
def test_matching_patterns(pattern: dict[str, Any]) -> None:
    assert matches(pattern, EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["loyalty"]},
        {"source": ["payments"], "detail-type": ["PaymentRefunded"]},  # every key must match
        {"detail": {"currency": ["usd"]}},  # exact values are case sensitive
        {"detail": {"amount_minor": ["12345"]}},  # a string never equals a number
        {"detail": {"note": ["null"]}},
        {"detail": {"missing": ["x"]}},  # absent keys never match a value
        {"detail": {"missing": [None]}},
        {"detail": {"missing": [{"anything-but": "x"}]}},  # nor anything-but
        {"detail": {"address": {"country": ["DE"]}}},
        {"detail": {"address": ["FR"]}},  # a value pattern on an object
        {"detail": {"currency": {"code": ["USD"]}}},  # an object pattern on a value
        {"missing": {"x": ["y"]}},
        {"detail": {"tags": ["red"]}},
        {"detail-type": [{"prefix": "Points"}]},
        {"detail-type": [{"suffix": "Refunded"}]},
        {"detail-type": [{"wildcard": "Payment*Refunded"}]},
        {"detail-type": [{"anything-but": ["PaymentCaptured"]}]},
        {"detail-type": [{"anything-but": {"prefix": "Pay"}}]},
        {"detail": {"amount_minor": [{"numeric": [">", 12345]}]}},
        {"detail": {"currency": [{"numeric": [">", 0]}]}},
        {"detail": {"member_id": [{"exists": False}]}},
        {"detail": {"referral_code": [{"exists": True}]}},
        {"detail": {"amount_minor": [{"prefix": "12"}]}},  # prefix only applies to strings
        {"source": [{"cidr": "10.0.0.0/8"}]},  # not an address
    ],
)
def test_non_matching_patterns(pattern: dict[str, Any]) -> None:
    assert not matches(pattern, EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": "payments"},  # values must be in a list
        {"detail": {"currency": []}},
    ],
)
def test_invalid_patterns_are_refused(pattern: dict[str, Any]) -> None:
    with pytest.raises(InvalidEventPatternException):
        matches(pattern, EVENT)


def test_the_template_rules_take_their_own_events_only() -> None:
    rules = {rule.name: rule.pattern for rule in TEMPLATE.rules() if rule.pattern is not None}
    captured = {**EVENT, "source": "payments", "detail-type": "PaymentCaptured"}
    assert [name for name, pattern in rules.items() if pattern and matches(pattern, captured)] == [
        "AccrueFunction-PaymentCaptured"]


def test_the_outbox_filter_takes_member_writes_with_an_outbox_only() -> None:
    [source] = [s for s in TEMPLATE.stream_sources() if s.function == "AnnounceFunction"]
    [outbox_filter] = [EventPattern.load(f) for f in source.filters]
    image = {"member_id": {"S": "m-1"}, "version": {"N": "3"}}
    with_outbox = {"eventName": "MODIFY", "dynamodb": {"NewImage": {**image, "outbox": {"S": "[]"}}}}
    without = {"eventName": "MODIFY", "dynamodb": {"NewImage": image}}
    assert (outbox_filter.matches_event(with_outbox), outbox_filter.matches_event(without)) == (True, False)
