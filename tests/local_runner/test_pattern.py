"""EventBridge event pattern matching."""

from typing import Any

import pytest

from local.pattern import matches

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
        {"detail": {"gift": [0]}},  # a boolean never equals a number
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
    ],
)
def test_non_matching_patterns(pattern: dict[str, Any]) -> None:
    assert not matches(pattern, EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": "payments"},  # values must be in a list
        {"source": [{"cidr": "10.0.0.0/8"}]},
        {"source": [{"prefix": "p", "suffix": "s"}]},
    ],
)
def test_invalid_patterns_are_refused(pattern: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        matches(pattern, EVENT)
