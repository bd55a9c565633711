"""The wallet alone, against a plain model (points left per expiry date, and a debt): thousands of random histories
of credits, spends, reversals, give-backs, expiries and days passing. Plus the refund arithmetic."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from loyalty.domain.earning import reversal_points
from loyalty.domain.errors import BusinessRuleRefused
from loyalty.domain.wallet import Wallet

DAY0 = date(2027, 1, 1)


class WalletMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.wallet = Wallet()
        self.today = DAY0
        self.left: dict[str, int] = {}  # model: points left per expiry date
        self.debt = 0
        self.spends: list[dict[str, int]] = []  # draws that may be given back once

    def live(self) -> list[str]:
        return sorted(d for d in self.left if d > self.today.isoformat())

    def model_credit(self, day: str, points: int) -> None:
        self.left[day] = self.left.get(day, 0) + points
        repay = min(self.debt, self.left[day])
        self.left[day] -= repay
        self.debt -= repay

    def check_draws(self, draws: dict[str, int], points: int, allow_debt: bool) -> None:
        """Soonest-expiring first, nothing from a date that has come, each date drawn at most what it held."""
        before = dict(self.left)
        live = self.live()
        assert all(d > self.today.isoformat() for d in draws), (draws, self.today)
        assert list(draws) == sorted(draws)
        assert all(0 < p <= before.get(d, 0) for d, p in draws.items())
        if draws:
            last = max(draws)
            for d in live:  # every live date before the last one drawn is emptied
                if d < last:
                    assert draws.get(d, 0) == before[d], (d, draws, before)
        expected_total = min(points, sum(before[d] for d in live)) if allow_debt else points
        assert sum(draws.values()) == expected_total
        for d, p in draws.items():
            self.left[d] -= p
        self.debt += points - sum(draws.values())

    @rule(ahead=st.integers(1, 60), points=st.integers(0, 500))
    def credit(self, ahead: int, points: int) -> None:
        day = (self.today + timedelta(days=ahead)).isoformat()
        self.wallet.credit(day, points)
        self.model_credit(day, points)

    @rule(points=st.integers(1, 800))
    def spend(self, points: int) -> None:
        spendable = sum(self.left[d] for d in self.live()) - self.debt
        before = self.wallet.model_dump()
        if spendable < points:
            with pytest.raises(BusinessRuleRefused):
                self.wallet.consume(points, self.today)
            assert self.wallet.model_dump() == before
            return
        draws = self.wallet.consume(points, self.today)
        self.check_draws(draws, points, allow_debt=False)
        self.spends.append(draws)

    @rule(points=st.integers(0, 800))
    def reverse(self, points: int) -> None:
        draws = self.wallet.consume(points, self.today, allow_debt=True)
        self.check_draws(draws, points, allow_debt=True)

    @precondition(lambda self: bool(self.spends))
    @rule(data=st.data())
    def give_back(self, data: st.DataObject) -> None:
        draws = self.spends.pop(data.draw(st.integers(0, len(self.spends) - 1)))
        returned, forfeited = self.wallet.give_back(draws, self.today)
        expect_returned = sum(p for d, p in draws.items() if d > self.today.isoformat())
        assert (returned, forfeited) == (expect_returned, sum(draws.values()) - expect_returned)
        for d, p in draws.items():
            if d > self.today.isoformat():
                self.model_credit(d, p)

    @rule(days=st.integers(0, 20))
    def days_pass(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule()
    def expire(self) -> None:
        gone = self.wallet.expire(self.today)
        expected = {d: p for d, p in sorted(self.left.items()) if d <= self.today.isoformat() and p}
        assert gone == expected
        self.left = {d: p for d, p in self.left.items() if d > self.today.isoformat()}

    @invariant()
    def balance_matches_the_model(self) -> None:
        w = self.wallet
        assert sum(b.remaining for b in w.buckets.values()) - w.debt == sum(self.left.values()) - self.debt
        assert w.available == sum(self.left.values()) - self.debt
        assert w.debt == self.debt >= 0
        assert w.spendable(self.today) == sum(self.left[d] for d in self.live()) - self.debt
        assert {d: b.remaining for d, b in w.buckets.items() if b.remaining} == {d: p for d, p in self.left.items() if p}
        assert all(0 <= b.consumed <= b.credited for b in w.buckets.values())
        if w.debt:  # later credits repay debt first: no live date can hold points while a debt is open
            assert not any(w.buckets[d].remaining for d in w.buckets if d > self.today.isoformat())


def test_wallet_against_its_model() -> None:
    run_state_machine_as_test(WalletMachine, settings=settings(
        max_examples=2500, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)))


@settings(max_examples=1500, deadline=None)
@given(points=st.integers(0, 10**6), amount=st.integers(1, 10**7), data=st.data())
def test_refunds_never_take_more_than_earned_and_a_full_refund_takes_everything(points: int, amount: int,
                                                                                data: st.DataObject) -> None:
    refunded = taken = 0
    for _ in range(12):
        if refunded == amount:
            break
        refund = data.draw(st.integers(1, amount - refunded), label="refund")
        take = reversal_points(points, amount, refunded, refund, taken)
        assert 0 <= take <= points - taken
        refunded += refund
        taken += take
        if refunded < amount:
            assert take == points * refund // amount  # proportional, rounded down
            assert taken <= points * refunded // amount  # partial refunds never take more than their share
    if refunded < amount:  # the refund that completes the amount takes exactly the rest
        assert reversal_points(points, amount, refunded, amount - refunded, taken) == points - taken
    else:
        assert taken == points
