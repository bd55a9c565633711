"""A program document, however it is mangled, is taken or refused and never answered with a 5xx; and a program
that was taken leaves every operation answering without a 5xx (what `validate` lets through is safe to run)."""
from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import ADMIN, SERVICE
from tests.support.aws import program_document
from tests.support.fixtures import moto_account
from tests.support.functions import call

Path = tuple[str | int, ...]
SHIPPED = program_document()
_EXAMPLE = {"promotion_id": "p-1", "starts_at": "2027-01-01T00:00:00Z", "ends_at": "2027-02-01T00:00:00Z"}
SHIPPED["promotions"] = [_EXAMPLE]  # a promotion and a challenge to mangle too
SHIPPED["challenges"] = [{"challenge_id": "c-1", "starts_at": "2027-01-01T00:00:00Z",
                          "ends_at": "2027-02-01T00:00:00Z", "purchases": 3, "bonus_points": 100}]
counter = itertools.count()


def paths(node: Any, at: Path = ()) -> Iterator[Path]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield (*at, key)
        yield from paths(child, (*at, key))


PATHS = sorted(paths(SHIPPED), key=str)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20), st.sampled_from(["0", "1E+9", "-1", "2026-01-01T00:00:00", "Gold", "USD"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=6)
changes = st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(st.just("delete"), json_values)), min_size=1, max_size=3)


def mangled(edits: list[tuple[Path, Any]]) -> dict[str, Any]:
    document = copy.deepcopy(SHIPPED)
    for path, value in edits:
        node: Any = document
        try:
            for key in path[:-1]:
                node = node[key]
            if value == "delete":
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):  # an earlier edit removed or replaced the place
            continue
    return document


@pytest.fixture(scope="module")
def account() -> Iterator[None]:
    with moto_account():
        assert call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE).status == 201
        assert call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "seed", "points": 50_000,
                                                                   "reason": "test"}, **ADMIN).status == 201
        yield


def uses(n: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every kind of operation a program drives, once."""
    purchase = {"transaction_id": f"t-{n}", "kind": "purchase", "amount_minor": 12_345, "currency": "USD",
                "lines": [{"sku": "A1", "category": "promo", "amount_minor": 2000}]}
    return [("GET", "/v1/program", None), ("GET", "/v1/rewards", None), ("GET", "/v1/members/m-1", None),
            ("POST", "/v1/members/m-1/accruals", purchase),
            ("POST", "/v1/members/m-1/accruals", {"transaction_id": f"a-{n}", "kind": "activity", "activity": "review"}),
            ("POST", "/v1/members/m-1/redemptions", {"redemption_id": f"r-{n}", "reward_id": "coffee"}),
            ("POST", f"/v1/members/m-1/accruals/t-{n}/reversals", {"reversal_id": f"rv-{n}"}),
            ("POST", "/v1/members", {"member_id": f"m-new-{n}"}), ("GET", "/v1/admin/stats", None)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=changes)
def test_a_mangled_program_is_taken_or_refused_and_what_is_taken_runs(account: None, edits: list[Any]) -> None:
    revision = call("GET", "/v1/admin/program", **ADMIN).body["revision"]
    answer = call("PUT", "/v1/admin/program", {"program": mangled(edits), "revision": revision}, **ADMIN)
    assert answer.status in (200, 422), answer.body
    if answer.status == 422:
        assert answer.body["error"]["code"] == "INVALID_PROGRAM" and answer.body["error"]["details"], answer.body
        return
    n = next(counter)
    for method, path, body in uses(n):
        used = call(method, path, body, **ADMIN)
        assert used.status < 500, (method, path, used.body, answer.body["program"])
