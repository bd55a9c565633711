"""A simulated year and a month, day by day, for three members: earning, spending, maturing, expiring,
upgrading and downgrading, with time moved explicitly. Every day the product must agree with the model."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from loyalty.domain.accrual import AccrualCommand
from loyalty.domain.earning import Purchase
from loyalty.domain.spending import RedemptionCommand
from loyalty.service import accruals, jobs, members, redemptions
from loyalty.service.ledger_audit import audit_all

from .model import ModelMember

START = datetime(2027, 1, 4, tzinfo=UTC)
DAYS = 372  # past both members' first tier review (days 365 and 368)
FOREVER = lambda: 10**9  # noqa: E731 - the time left of a job that never runs out


class Simulation:
    def __init__(self) -> None:
        self.models: dict[str, ModelMember] = {}
        self.seq = 0

    def key(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.seq}"

    def enroll(self, member_id: str, at: datetime) -> None:
        members.enroll(member_id, None, at)
        self.models[member_id] = ModelMember()
        self.models[member_id].earn(100, at, pending=False, qualifying=False)

    def purchase(self, member_id: str, amount_minor: int, at: datetime) -> None:
        model = self.models[member_id]
        cmd = AccrualCommand(self.key("tx"), "purchase", at, purchase=Purchase(amount_minor, "USD", None, (), at))
        answer = accruals.accrue(member_id, cmd, at)
        expected = amount_minor * model.multiplier() // 10000
        assert answer.accrual.points == expected, (member_id, at, answer, expected)
        model.earn(expected, at, pending=True, qualifying=True)
        self.after_accrual(member_id, at)

    def checkin(self, member_id: str, at: datetime) -> None:
        cmd = AccrualCommand(self.key("ci"), "activity", at, activity="checkin")
        assert accruals.accrue(member_id, cmd, at).accrual.points == 5
        self.models[member_id].earn(5, at, pending=False, qualifying=True)
        self.after_accrual(member_id, at)

    def after_accrual(self, member_id: str, at: datetime) -> None:
        jobs.evaluate_tier(member_id, at)  # what the PointsAccrued rule triggers
        self.models[member_id].after_accrual(at)

    def redeem_coffee(self, member_id: str, at: datetime) -> None:
        model = self.models[member_id]
        if model.spendable(at.date()) < 500:
            return
        key = self.key("r")
        redemptions.redeem(member_id, RedemptionCommand(key, "coffee", 1), at)
        model.spend(500, at.date())

    def night(self, day: datetime) -> None:
        run = day + timedelta(minutes=5)
        assert jobs.run_points_clock(run, FOREVER).complete
        jobs.review_tiers(run + timedelta(minutes=10), FOREVER)
        for model in self.models.values():
            model.clock(run)
            model.daily_review(run + timedelta(minutes=10))  # when the review job ran

    def check(self, at: datetime) -> None:
        for member_id, model in self.models.items():
            view = members.view(member_id, at)
            seen = (view.balance.available, view.balance.pending, view.tier)
            assert seen == (model.available(), model.pending(), model.tier_name()), (member_id, at.date(), seen)


def day_of_business(sim: Simulation, n: int, noon: datetime, rng: random.Random) -> None:
    """Day n's purchases, check-ins and redemptions of the three members."""
    if n == 0:
        sim.purchase("m-lapsing-silver", 250_000, noon)  # 2 500 points: Silver, then nothing qualifying enough
    if n == 3:
        sim.purchase("m-gold", 520_000, noon)  # Gold at once; a year later, down one tier only
    sim.checkin("m-lapsing-silver", noon)
    if n % 7 == 0 and n:
        sim.purchase("m-gold", rng.randrange(1_000, 5_000), noon)
    if rng.random() < 0.3:
        sim.purchase("m-random", rng.randrange(500, 40_000), noon)
    if rng.random() < 0.2:
        sim.checkin("m-random", noon)
    if n % 10 == 9:
        for member_id in sim.models:
            sim.redeem_coffee(member_id, noon + timedelta(hours=1))


def test_a_year_of_days_matches_the_model(moto_aws: None) -> None:
    sim = Simulation()
    rng = random.Random(7)
    for member_id in ("m-lapsing-silver", "m-gold", "m-random"):
        sim.enroll(member_id, START)
    tiers_seen: dict[str, set[str]] = {m: set() for m in sim.models}
    for n in range(DAYS):
        day = START + timedelta(days=n)
        sim.night(day)
        noon = day + timedelta(hours=12)
        day_of_business(sim, n, noon, rng)
        sim.check(noon + timedelta(hours=2))
        for member_id in sim.models:
            tiers_seen[member_id].add(members.view(member_id, noon).tier)
    assert tiers_seen["m-lapsing-silver"] == {"Silver", "Member"}  # upgraded, then reviewed down
    assert "Gold" in tiers_seen["m-gold"] and "Silver" in tiers_seen["m-gold"]
    assert audit_all()[1] == []
