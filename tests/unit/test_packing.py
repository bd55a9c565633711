"""storage.packing: what is packed comes back exactly (any days, any figures), the document given is left as it
was, and the state of a member with a bucket and a qualifying figure for every day of a year stays under 1 KB."""
from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from loyalty.storage.packing import DAY_MAPS_OF_DETAIL, pack_state, unpack_state

DAYS = st.dates(date(2020, 1, 1), date(2040, 12, 31)).map(date.isoformat)
COUNT = st.integers(-10**12, 10**12)
BUCKETS = st.dictionaries(DAYS, st.fixed_dictionaries({"credited": COUNT, "consumed": COUNT}), max_size=40)


@given(buckets=BUCKETS, qualifying=st.dictionaries(DAYS, COUNT, max_size=40), debt=COUNT,
       other=st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.text(max_size=8), COUNT), max_size=4))
def test_a_state_comes_back_exactly_and_the_given_one_is_untouched(buckets: dict[str, Any], qualifying: dict[str, int],
                                                                   debt: int, other: dict[str, Any]) -> None:
    state = {**other, "wallet": {"buckets": buckets, "debt": debt, "pending": 0}, "qualifying_by_day": qualifying}
    given_copy = copy.deepcopy(state)
    assert unpack_state(pack_state(state)) == state
    assert state == given_copy


@given(draws=st.dictionaries(DAYS, COUNT, max_size=40), rest=st.dictionaries(st.text(max_size=5), COUNT, max_size=3))
def test_a_detail_with_draws_by_day_comes_back_exactly(draws: dict[str, int], rest: dict[str, int]) -> None:
    detail = {**rest, "draws": draws}
    assert unpack_state(pack_state(detail, DAY_MAPS_OF_DETAIL), DAY_MAPS_OF_DETAIL) == detail


def test_a_document_without_the_maps_packs_as_it_is() -> None:
    assert unpack_state(pack_state({"member_id": "m-1", "wallet": None})) == {"member_id": "m-1", "wallet": None}


def test_a_year_of_daily_buckets_and_qualifying_days_packs_under_a_kilobyte() -> None:
    start = date(2026, 1, 1)
    days = [(start + timedelta(days=n)).isoformat() for n in range(366)]
    state = {"wallet": {"buckets": {d: {"credited": 5, "consumed": 5 if n < 100 else 0} for n, d in enumerate(days)}},
             "qualifying_by_day": dict.fromkeys(days, 5)}
    assert len(pack_state(state)) < 1024
