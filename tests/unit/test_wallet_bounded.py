"""The member item must not grow with history: buckets are bounded by the expiry window."""
from __future__ import annotations

from datetime import date, timedelta

from loyalty.domain.wallet import Wallet


def test_two_years_of_daily_earning_and_spending_keep_at_most_a_window_of_buckets() -> None:
    wallet = Wallet()
    day0 = date(2027, 1, 1)
    most = 0
    for n in range(730):
        today = day0 + timedelta(days=n)
        wallet.credit((today + timedelta(days=365)).isoformat(), 5)
        if n % 3 == 2:
            wallet.consume(wallet.spendable(today), today)
        wallet.expire(today)
        most = max(most, len(wallet.buckets))
    assert most <= 366
    assert all(d > (day0 + timedelta(days=729)).isoformat() for d in wallet.buckets)


def test_spent_buckets_in_the_past_are_forgotten_on_the_next_spend() -> None:
    wallet = Wallet()
    wallet.credit("2027-01-10", 10)
    wallet.credit("2027-06-10", 10)
    wallet.consume(10, date(2027, 1, 5))  # empties the January bucket
    wallet.consume(1, date(2027, 2, 1))  # January has passed: its empty bucket goes
    assert list(wallet.buckets) == ["2027-06-10"]
