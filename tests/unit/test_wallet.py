"""The wallet: lots in expiry-date buckets, soonest-expiring first, never an expired point, debt repaid first."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from loyalty.domain.errors import BusinessRuleRefused
from loyalty.domain.wallet import Bucket, Wallet, lot_remaining

TODAY = date(2026, 11, 25)


def day(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def wallet(**points: int) -> Wallet:
    """wallet(d10=5, d3=7): 5 points expiring in 10 days, 7 in 3 days."""
    w = Wallet()
    for key, value in points.items():
        w.credit(day(int(key[1:])), value)
    return w


def remaining(w: Wallet) -> dict[str, int]:
    return {d: b.remaining for d, b in sorted(w.buckets.items()) if b.remaining}


def test_consume_draws_soonest_expiring_first() -> None:
    w = wallet(d30=10, d3=5, d100=20)
    draws = w.consume(12, TODAY)
    assert draws == {day(3): 5, day(30): 7}
    assert list(draws) == sorted(draws)
    assert remaining(w) == {day(30): 3, day(100): 20}
    assert w.available == 23


def test_first_in_first_out_inside_one_date() -> None:
    w = Wallet()
    a = w.credit(day(9), 4)
    b = w.credit(day(9), 6)
    assert (a, b) == (0, 4)
    w.consume(5, TODAY)
    bucket = w.buckets[day(9)]
    assert lot_remaining(4, a, bucket) == 0
    assert lot_remaining(6, b, bucket) == 5


def test_a_bucket_dated_d_is_spendable_on_d_minus_1_and_gone_on_d() -> None:
    w = wallet(d1=10)
    assert w.spendable(TODAY) == 10
    assert w.spendable(TODAY + timedelta(days=1)) == 0
    with pytest.raises(BusinessRuleRefused) as err:
        w.consume(1, TODAY + timedelta(days=1))
    assert err.value.code == "INSUFFICIENT_POINTS"
    assert w.consume(10, TODAY) == {day(1): 10}


def test_never_draws_an_expired_bucket_even_before_the_clock_removed_it() -> None:
    w = wallet(d0=50, d5=5)  # d0: expired today, not yet removed by the clock
    assert w.available == 55
    assert w.spendable(TODAY) == 5
    with pytest.raises(BusinessRuleRefused):
        w.consume(6, TODAY)
    assert w.consume(5, TODAY) == {day(5): 5}
    assert w.buckets[day(0)].remaining == 50


def test_refused_consume_changes_nothing() -> None:
    w = wallet(d5=5, d9=4)
    before = w.model_dump()
    with pytest.raises(BusinessRuleRefused):
        w.consume(10, TODAY)
    assert w.model_dump() == before


def test_reversal_shortfall_becomes_debt_and_later_credits_repay_it_first() -> None:
    w = wallet(d10=30)
    draws = w.consume(50, TODAY, allow_debt=True)
    assert draws == {day(10): 30}
    assert w.debt == 20
    assert w.available == -20
    assert w.spendable(TODAY) == -20
    w.credit(day(200), 15)
    assert (w.debt, w.available, remaining(w)) == (5, -5, {})
    w.credit(day(50), 8)
    assert (w.debt, w.available, remaining(w)) == (0, 3, {day(50): 3})


def test_give_back_returns_points_to_their_original_dates() -> None:
    w = wallet(d3=5, d30=10)
    draws = w.consume(12, TODAY)
    w.credit(day(60), 1)
    returned, forfeited = w.give_back(draws, TODAY + timedelta(days=1))
    assert (returned, forfeited) == (12, 0)
    assert remaining(w) == {day(3): 5, day(30): 10, day(60): 1}


def test_give_back_forfeits_points_whose_date_has_passed() -> None:
    w = wallet(d3=5, d30=10)
    draws = w.consume(12, TODAY)
    returned, forfeited = w.give_back(draws, TODAY + timedelta(days=3))  # day 3 is gone on day 3
    assert (returned, forfeited) == (7, 5)
    assert remaining(w) == {day(30): 10}
    w2 = wallet(d3=5, d30=10)
    draws = w2.consume(12, TODAY)
    w2.expire(TODAY + timedelta(days=3))  # the clock already removed the bucket
    assert w2.give_back(draws, TODAY + timedelta(days=4)) == (7, 5)


def test_give_back_repays_debt_first() -> None:
    w = wallet(d10=10)
    draws = w.consume(10, TODAY)
    w.consume(4, TODAY, allow_debt=True)
    assert w.debt == 4
    assert w.give_back(draws, TODAY) == (10, 0)
    assert (w.debt, w.available) == (0, 6)


def test_expire_is_exact_to_the_day() -> None:
    w = wallet(d1=7, d2=3, d10=1)
    assert w.expire(TODAY) == {}
    assert w.expire(TODAY + timedelta(days=1)) == {day(1): 7}
    assert remaining(w) == {day(2): 3, day(10): 1}
    assert w.expire(TODAY + timedelta(days=1)) == {}  # a re-run finds nothing
    assert w.expire(TODAY + timedelta(days=30)) == {day(2): 3, day(10): 1}
    assert w.available == 0


def test_expire_reports_only_what_is_left() -> None:
    w = wallet(d1=7)
    w.consume(7, TODAY)
    assert w.expire(TODAY + timedelta(days=1)) == {}
    assert w.buckets == {}


def test_expiring_and_next_expiry() -> None:
    w = wallet(d0=1, d1=2, d30=3, d31=4)
    assert w.expiring(TODAY, TODAY + timedelta(days=30)) == [(day(1), 2), (day(30), 3)]
    assert w.next_expiry() == day(0)
    w.consume(5, TODAY)
    assert w.next_expiry() == day(0)  # the expired bucket still holds points until the clock removes it
    w.expire(TODAY)
    assert w.next_expiry() == day(31)


def test_lot_remaining_from_counters() -> None:
    bucket = Bucket(credited=10, consumed=0)
    assert [lot_remaining(p, s, bucket) for p, s in ((3, 0), (7, 3))] == [3, 7]
    bucket.consumed = 5
    assert [lot_remaining(p, s, bucket) for p, s in ((3, 0), (7, 3))] == [0, 5]
    bucket.consumed = 10
    assert [lot_remaining(p, s, bucket) for p, s in ((3, 0), (7, 3))] == [0, 0]
    assert lot_remaining(3, 0, None) == 0


def test_member_item_stays_bounded_with_thousands_of_lots() -> None:
    w = Wallet()
    for n in range(5000):
        w.credit(day(n % 365 + 1), 1 + n % 7)
    assert len(w.buckets) == 365
    w.consume(w.available // 2, TODAY)
    assert len(w.model_dump_json()) < 40_000
