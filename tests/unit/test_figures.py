"""The analytics report from kept figures (domain.figures): outstanding at each day's end, rates, top rewards."""
from __future__ import annotations

from datetime import date

import pytest

from loyalty.domain.errors import InvalidRequest
from loyalty.domain.figures import Figures, net, report, split, window
from loyalty.domain.program import validate
from tests.support.aws import program_document

PROGRAM = validate(program_document())


def test_outstanding_is_the_total_less_what_came_after() -> None:
    days = {"2026-11-01": {"issued": 100}, "2026-11-03": {"redeemed": 30, "credited": 5},
            "2026-11-10": {"expired": 20}}
    figures = Figures(days=days, totals={"issued": 500, "redeemed": 30, "credited": 5, "expired": 20},
                      tiers={"Gold": 2}, rewards={})
    got = report(PROGRAM, date(2026, 11, 2), date(2026, 11, 4), figures)
    # 455 now; 20 expired after the range: 475 at its end; the 3rd moved it by -25
    assert [(d.date, d.outstanding) for d in got.days] == [("2026-11-02", 500), ("2026-11-03", 475),
                                                           ("2026-11-04", 475)]
    assert got.totals.outstanding == 475 and got.totals.adjusted == 5 and got.totals.redeemed == 30
    assert got.liability.amount_minor == 475 and got.liability.currency == "USD"
    assert got.tiers == {"Member": 0, "Silver": 0, "Gold": 2, "Platinum": 0}
    assert got.redemption_rate is None and got.breakage_rate == 0.0


def test_top_rewards_by_units_then_points_at_most_ten() -> None:
    rewards = {f"r{n}": (n % 4, n) for n in range(14)}
    got = report(PROGRAM, date(2026, 11, 1), date(2026, 11, 1), Figures({}, {}, {}, rewards)).top_rewards
    assert [r.reward_id for r in got] == ["r11", "r7", "r3", "r10", "r6", "r2", "r13", "r9", "r5", "r1"]


def test_net_and_split() -> None:
    counts = {"issued": 10, "imported": 5, "credited": 1, "debited": 2, "reversed": 3, "redeemed": 4, "expired": 1,
              "tier:Gold": 1, "tier:Member": -1, "reward:coffee:redemptions": 2, "reward:coffee:points": 1000}
    flows, tiers, rewards = split(counts)
    assert net(flows) == 10 + 5 + 1 - 2 - 3 - 4 - 1
    assert tiers == {"Gold": 1, "Member": -1} and rewards == {"coffee": (2, 1000)}


def test_window() -> None:
    assert window(None, None, date(2026, 12, 1)) == (date(2026, 11, 2), date(2026, 12, 1))
    assert window(date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 1)) == (date(2026, 1, 1), date(2026, 12, 31))
    for first, last in ((date(2026, 2, 1), date(2026, 1, 1)), (date(2024, 12, 31), date(2026, 1, 1))):
        with pytest.raises(InvalidRequest):
            window(first, last, date(2026, 12, 1))
