"""Bad input never yields a 5xx: random JSON (and random mutations of valid bodies) on every write route."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fixtures import moto_account
from tests.support.functions import call

ROUTES = ["/v1/members", "/v1/members/m-1/accruals", "/v1/members/m-1/accruals/t-1/reversals",
          "/v1/members/m-1/redemptions", "/v1/members/m-1/redemptions/r-1/cancellation",
          "/v1/members/m-1/transfers", "/v1/admin/members/m-1/adjustments", "/v1/admin/bulk-credits",
          "/v1/admin/members/m-1/block", "/v1/admin/members/m-1/unblock", "/v1/admin/imports",
          "/v1/admin/imports/uploads", "/v1/admin/imports/i-1/start"]
VALID = {"transaction_id": "t-2", "kind": "purchase", "amount_minor": 1000, "currency": "USD", "channel": "online",
         "lines": [{"sku": "A", "category": "promo", "amount_minor": 10}], "activity": "review",
         "redemption_id": "r-2", "reward_id": "coffee", "quantity": 1, "transfer_id": "x", "to_member_id": "m-2",
         "points": 5, "adjustment_id": "a", "reason": "r", "reversal_id": "rv", "member_id": "m-3",
         "credit_id": "bc", "member_ids": ["m-1", "m-2"], "segment": "vip", "import_id": "i-1",
         "members": [{"member_id": "m-9", "tier": "Gold", "segments": ["vip"], "birthday": "02-29", "lots": [
             {"points": 5, "earned_at": "2026-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00+05:00"}]}]}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**13), 10**13), st.floats(allow_nan=False),
                    st.text(max_size=80))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                           max_leaves=12)
mutated = st.builds(lambda keep, extra: {**{k: v for k, v in VALID.items() if k in keep}, **extra},
                    st.sets(st.sampled_from(sorted(VALID))),
                    st.dictionaries(st.sampled_from(sorted(VALID)), json_values, max_size=3))


@pytest.fixture(scope="module")
def account() -> Iterator[None]:
    with moto_account():
        for member in ("m-1", "m-2"):
            assert call("POST", "/v1/members", {"member_id": member}).status == 201
        yield


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=st.one_of(json_values, mutated), scope=st.sampled_from(
    ["loyalty/service", "loyalty/admin", ""]))
def test_no_body_makes_a_write_route_fail_with_5xx(account: None, route: str, body: Any, scope: str) -> None:
    answer = call("POST", route, body, sub="m-1", scope=scope)
    assert answer.status < 500, (route, body, answer.body)
    if answer.status >= 400:
        assert set(answer.body["error"]) == {"code", "message"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=200))
def test_a_body_that_is_not_json_is_a_4xx(account: None, raw: str) -> None:
    answer = call("POST", "/v1/members/m-1/accruals", raw=raw)
    assert 400 <= answer.status < 500 or answer.status == 201, answer.body
