"""Promotions as the design describes them: targeting, effects, stacking, the split of the one rounding, per-member
limits, budgets and the reversal of promotion points (the domain alone; storage is in tests/integration)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from loyalty.answers import AccrualAnswer
from loyalty.domain import accrual
from loyalty.domain.earning import Purchase, PurchaseLine, apportion, promotions_reversed, purchase_points
from loyalty.domain.errors import InvalidRequest
from loyalty.domain.ledger import BudgetDraw
from loyalty.domain.program import Program, Promotion

from .builders import Book, enrolled, make_program

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
TIER = {"Member": Fraction(1), "Silver": Fraction(5, 4), "Gold": Fraction(3, 2), "Platinum": Fraction(2)}


def promo(promotion_id: str = "p", **fields: Any) -> dict[str, Any]:
    return {"promotion_id": promotion_id, "name": f"promotion {promotion_id}", "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-01T00:00:00Z", **fields}


def with_promos(*promos: dict[str, Any]) -> Program:
    return make_program(promotions=list(promos))


def buy(amount: int, lines: tuple[tuple[str | None, str | None, int], ...] = (), channel: str | None = "online",
        at: datetime = T0, currency: str = "USD") -> Purchase:
    return Purchase(amount, currency, channel, tuple(PurchaseLine(sku, cat, amt) for sku, cat, amt in lines), at)


def shares(program: Program, purchase: Purchase, tier: str = "Member", **kw: Any) -> tuple[int, dict[str, int]]:
    got = purchase_points(program, purchase, tier, **kw)
    return got.points, {p.promotion_id: p.points for p in got.promotions}


class Budget:
    """A budget source that covers each promotion up to `left` points, on slice 0, and remembers its draws."""

    def __init__(self, **left: int) -> None:
        self.left = left
        self.asked: list[tuple[str, int]] = []

    def draw(self, promotion: Promotion, points: int) -> int | None:
        self.asked.append((promotion.promotion_id, points))
        return 0 if self.left.get(promotion.promotion_id, 0) >= points else None


# --- the document ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields,message", [
    ({}, "exactly one effect"),
    ({"multiplier": "2", "bonus_points": 5}, "exactly one effect"),
    ({"multiplier": 2}, "decimal string"),
    ({"multiplier": 1.5}, "decimal string"),
    ({"multiplier": "1"}, "greater than 1"),
    ({"multiplier": "0.5"}, "greater than 1"),
    ({"multiplier": "NaN"}, "finite number"),
    ({"multiplier": "101"}, "at most 100"),
    ({"bonus_points": 0}, "greater than or equal to 1"),
    ({"bonus_points": 5, "ends_at": "2026-11-01T00:00:00Z"}, "must be after starts_at"),
    ({"bonus_points": 5, "stacking": "stack"}, "'combine' or 'exclusive'"),
    ({"bonus_points": 5, "per_member_limit": 0}, "greater than or equal to 1"),
    ({"bonus_points": 5, "budget_points": -1}, "greater than or equal to 1"),
    ({"bonus_points": 5, "starts_at": "2026-11-01T00:00:00"}, "timezone"),
    ({"bonus_points": 5, "colour": "red"}, "Extra inputs are not permitted"),
])
def test_an_invalid_promotion_is_refused_with_a_clear_message(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as err:
        with_promos(promo(**fields))
    [error] = err.value.errors()
    assert message in error["msg"]
    assert error["loc"][:2] == ("promotions", 0) and len(error["loc"]) == 3  # the path names the field


def test_a_promotion_needs_an_id_and_a_name() -> None:
    for missing in ("promotion_id", "name", "starts_at", "ends_at"):
        doc = promo(bonus_points=5)
        del doc[missing]
        with pytest.raises(ValidationError, match=missing):
            with_promos(doc)


def test_the_default_program_ships_no_promotion_and_earns_as_before() -> None:
    program = make_program()
    assert program.promotions == []
    assert shares(program, buy(1000)) == (10, {})


# --- targeting --------------------------------------------------------------------------------------------------------

def test_every_targeting_criterion_given_must_match() -> None:
    program = with_promos(promo(bonus_points=7, channels=["app"], tiers=["Gold"], segments=["vip", "staff"],
                                min_amount_minor=1000))
    fits = {"tier": "Gold", "segments": ["vip"]}
    assert shares(program, buy(1000, channel="app"), **fits)[1] == {"p": 7}
    assert shares(program, buy(1000, channel="online"), **fits)[1] == {}
    assert shares(program, buy(1000, channel=None), **fits)[1] == {}
    assert shares(program, buy(1000, channel="app"), tier="Silver", segments=["vip"])[1] == {}
    assert shares(program, buy(1000, channel="app"), tier="Gold", segments=["other"])[1] == {}
    assert shares(program, buy(1000, channel="app"), tier="Gold")[1] == {}
    assert shares(program, buy(999, channel="app"), **fits)[1] == {}
    assert shares(program, buy(1000, channel="app"), tier="Gold", segments=["other", "staff"])[1] == {"p": 7}


def test_a_promotion_applies_in_its_window_start_inclusive_end_exclusive() -> None:
    program = with_promos(promo(bonus_points=5))
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    for at, applies in [(start - timedelta(seconds=1), False), (start, True), (end - timedelta(seconds=1), True),
                        (end, False)]:
        assert bool(shares(program, buy(1000, at=at))[1]) is applies, at


def test_min_amount_is_on_the_matching_amount() -> None:
    program = with_promos(promo(bonus_points=10, categories=["toys"], min_amount_minor=500))
    assert shares(program, buy(10_000, (("T", "toys", 499),)))[1] == {}
    assert shares(program, buy(10_000, (("T", "toys", 300), ("U", "toys", 200))))[1] == {"p": 10}


def test_first_purchase_only() -> None:
    program = with_promos(promo(bonus_points=100, first_purchase=True))
    assert shares(program, buy(1000), first_purchase=True) == (110, {"p": 100})
    assert shares(program, buy(1000), first_purchase=False) == (10, {})
    member = enrolled(program, "m-1", T0)
    got = [accrue(program, member, f"t{n}", 1000).accrual.promotions for n in range(2)]
    assert [[p.points for p in g] for g in got] == [[100], []]


def test_a_line_promotion_applies_to_its_lines_only_the_rest_earns_as_usual() -> None:
    program = with_promos(promo(multiplier="3", skus=["S1"]))
    lines = (("S1", "private-label", 1000), ("S2", "private-label", 1000))
    # S1: 10 x 3 (category) x 3 (promotion) = 90; S2: 30; the rest 80
    assert shares(program, buy(10_000, lines)) == (200, {"p": 60})
    assert shares(program, buy(10_000, (("S2", None, 1000),))) == (100, {})


def test_a_line_bonus_needs_a_matching_line_and_is_given_once() -> None:
    program = with_promos(promo(bonus_points=30, skus=["S1"]))
    assert shares(program, buy(2000, (("S1", None, 2000),))) == (50, {"p": 30})
    assert shares(program, buy(3000, (("S1", None, 1000), ("S1", None, 1000)))) == (60, {"p": 30})
    assert shares(program, buy(2000, (("S2", None, 2000),))) == (20, {})


# --- effects ---------------------------------------------------------------------------------------------------------

def test_a_bonus_is_not_multiplied_by_the_tier_a_multiplier_is() -> None:
    program = with_promos(promo("b", bonus_points=50), promo("m", multiplier="2"))
    assert shares(program, buy(1000), "Platinum") == (20 + 20 + 50, {"m": 20, "b": 50})
    # 10 x 2 x 1.25 = 25: the promotion's 12.5 is rounded down, the base takes the half point (13)
    assert shares(program, buy(1000), "Silver") == (25 + 50, {"m": 12, "b": 50})


def test_the_design_contract_sku_bonus() -> None:
    program = with_promos(promo("sku-bonus", bonus_points=30, skus=["S"]))
    got = purchase_points(program, buy(2000, (("S", None, 2000),)), "Member")
    assert (got.points, [(p.promotion_id, p.points) for p in got.promotions]) == (50, [("sku-bonus", 30)])


def test_a_share_that_rounds_to_nothing_is_not_listed() -> None:
    program = with_promos(promo(multiplier="1.1"))
    assert shares(program, buy(500)) == (5, {})  # 0.5 extra points: nothing to list, nothing to draw
    assert shares(program, buy(1000)) == (11, {"p": 1})


# --- stacking --------------------------------------------------------------------------------------------------------

def test_combinable_promotions_apply_together_and_multipliers_compound() -> None:
    program = with_promos(promo("a", multiplier="2"), promo("b", multiplier="1.5"), promo("c", bonus_points=5))
    total, got = shares(program, buy(1000))
    assert total == 30 + 5
    # the 20 extra points split in proportion to (multiplier - 1): 13.33 and 6.67, each rounded down
    assert got == {"a": 13, "b": 6, "c": 5}


def test_when_exclusive_ones_apply_only_the_best_applies_and_the_combinable_ones_are_ignored() -> None:
    program = with_promos(promo("combine", multiplier="5"), promo("x1", multiplier="2", stacking="exclusive"),
                          promo("x2", bonus_points=15, stacking="exclusive"),
                          promo("x3", bonus_points=9, stacking="exclusive"))
    assert shares(program, buy(1000)) == (25, {"x2": 15})  # x1 would give 20, x2 25, x3 19
    assert shares(program, buy(2000)) == (40, {"x1": 20})  # x1 40, x2 35


def test_an_exclusive_tie_goes_to_the_first_in_the_program() -> None:
    program = with_promos(promo("x1", bonus_points=10, stacking="exclusive"),
                          promo("x2", bonus_points=10, stacking="exclusive"))
    assert shares(program, buy(1000))[1] == {"x1": 10}


def test_an_exclusive_one_that_does_not_target_the_purchase_leaves_the_combinable_ones() -> None:
    program = with_promos(promo("c", bonus_points=5), promo("x", bonus_points=50, stacking="exclusive", channels=["app"]))
    assert shares(program, buy(1000, channel="online"))[1] == {"c": 5}
    assert shares(program, buy(1000, channel="app"))[1] == {"x": 50}


# --- the split of the one rounding -----------------------------------------------------------------------------------

MULTIPLIERS = st.sampled_from(["1.1", "1.25", "1.5", "2", "3", "1.333"])


@st.composite
def promotions(draw: st.DrawFn) -> list[dict[str, Any]]:
    found = []
    for n in range(draw(st.integers(0, 4))):
        effect = draw(st.one_of(st.fixed_dictionaries({"multiplier": MULTIPLIERS}),
                                st.fixed_dictionaries({"bonus_points": st.integers(1, 500)})))
        targeting = draw(st.sampled_from([{}, {"categories": ["promo"]}, {"skus": ["S1"]}, {"channels": ["app"]}]))
        stacking = draw(st.sampled_from(["combine", "combine", "exclusive"]))
        found.append(promo(f"p{n}", stacking=stacking, **effect, **targeting))
    return found


@settings(max_examples=300, deadline=None)
@given(promos=promotions(), amount=st.integers(1, 10**7), tier=st.sampled_from(sorted(TIER)),
       currency=st.sampled_from(["USD", "CNY"]), channel=st.sampled_from(["app", "online"]),
       lines=st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.sampled_from([None, "promo", "private-label"]),
                                st.integers(1, 1000)), max_size=3))
def test_shares_and_base_add_up_to_the_points_rounded_once(promos: list[dict[str, Any]], amount: int, tier: str,
                                                           currency: str, channel: str,
                                                           lines: list[tuple[str, str | None, int]]) -> None:
    program = with_promos(*promos)
    purchase = buy(amount + sum(a for *_, a in lines), tuple(lines), channel, currency=currency)
    got = purchase_points(program, purchase, tier)
    without = purchase_points(make_program(), purchase, tier).points
    base = got.points - sum(p.points for p in got.promotions)
    bonus = sum(p.bonus_points or 0 for p in program.promotions if p.promotion_id in got.promotion_ids)
    # the base is at least what the purchase earns without promotions, and the rounding left over adds at most one
    # point per multiplier promotion to it (each share rounded down, a share of 0 not listed)
    assert without <= base <= without + sum(p.multiplier is not None for p in program.promotions)
    assert all(p.points > 0 for p in got.promotions)
    assert got.points - bonus >= without  # a promotion never takes points away
    exclusive = {p.promotion_id for p in program.promotions if p.stacking == "exclusive"}
    if exclusive & set(got.promotion_ids):
        assert len(got.promotions) == 1


# --- budgets ---------------------------------------------------------------------------------------------------------

def test_a_promotion_whose_budget_cannot_cover_it_is_left_out_and_the_purchase_earns_without_it() -> None:
    program = with_promos(promo("a", multiplier="2", budget_points=5_000), promo("b", bonus_points=20))
    assert shares(program, buy(1000), budget=Budget(a=10)) == (40, {"a": 10, "b": 20})
    assert shares(program, buy(1000), budget=Budget(a=9)) == (30, {"b": 20})


def test_when_the_best_exclusive_one_runs_out_the_next_best_applies() -> None:
    program = with_promos(promo("x1", bonus_points=50, stacking="exclusive", budget_points=1000),
                          promo("x2", bonus_points=30, stacking="exclusive"), promo("c", bonus_points=5))
    budget = Budget(x1=49)
    assert shares(program, buy(1000), budget=budget) == (40, {"x2": 30})
    assert budget.asked == [("x1", 50)]


@pytest.mark.parametrize("budget,bonus,expected", [
    (100, None, [100]),
    (9_999, None, [9_999]),
    (20_000, None, [10_000, 10_000]),
    (100_001, None, [12_501] + [12_500] * 7),
    (10**9, None, [125_000_000] * 8),
    (100, 30, [90]),
    (29, 30, []),
    (90_000, 1000, [12_000, 12_000] + [11_000] * 6),
    (80_000, 40_000, [40_000, 40_000]),
])
def test_a_budget_is_split_into_slices(budget: int, bonus: int | None, expected: list[int]) -> None:
    effect = {"bonus_points": bonus} if bonus else {"multiplier": "2"}
    shares_ = Promotion.model_validate(promo(budget_points=budget, **effect)).budget_shares()
    assert shares_ == expected
    assert sum(shares_) <= budget and all(s % (bonus or 1) == 0 for s in shares_)


# --- per-member limits and the accrual -----------------------------------------------------------------------------

def accrue(program: Program, member: Any, tx: str, amount: int, at: datetime = T0, budget: Any = None,
           book: Book | None = None, lines: tuple[tuple[str | None, str | None, int], ...] = ()) -> AccrualAnswer:
    cmd = accrual.AccrualCommand(tx, "purchase", at, purchase=buy(amount, lines, at=at))
    posting = accrual.accrue(program, member, cmd, at, budget=budget)
    if book is not None:
        book.apply(posting)
    answer = posting.response
    assert isinstance(answer, AccrualAnswer)
    return answer


def test_per_member_limit_counts_on_the_member() -> None:
    program = with_promos(promo("twice", bonus_points=10, per_member_limit=2), promo("free", bonus_points=1))
    a, b = enrolled(program, "m-a", T0), enrolled(program, "m-b", T0)
    got = [[p.promotion_id for p in accrue(program, a, f"t{n}", 1000).accrual.promotions] for n in range(3)]
    assert got == [["twice", "free"], ["twice", "free"], ["free"]]
    assert a.promotion_uses == {"twice": 2}  # only promotions with a limit are counted
    assert [p.promotion_id for p in accrue(program, b, "t0", 1000).accrual.promotions] == ["twice", "free"]


def test_uses_of_promotions_gone_or_long_ended_are_forgotten() -> None:
    program = with_promos(promo("a", bonus_points=1, per_member_limit=5), promo("b", bonus_points=1, per_member_limit=5))
    member = enrolled(program, "m-1", T0)
    accrue(program, member, "t0", 1000)
    assert member.promotion_uses == {"a": 1, "b": 1}
    later = with_promos(promo("b", bonus_points=1, per_member_limit=5, starts_at="2026-11-01T00:00:00Z",
                              ends_at="2026-11-15T00:00:00Z"),
                        promo("c", bonus_points=1, per_member_limit=5, ends_at="2027-06-01T00:00:00Z"))
    # b ended 20 days before: a purchase made during it may still be accrued, so its count is kept
    accrue(program=later, member=member, tx="t1", amount=1000, at=datetime(2026, 12, 5, tzinfo=UTC))
    assert member.promotion_uses == {"b": 1, "c": 1}
    # more than 30 days after its end no purchase can still get it
    accrue(program=later, member=member, tx="t2", amount=1000, at=datetime(2026, 12, 16, tzinfo=UTC))
    assert member.promotion_uses == {"c": 2}


def test_an_accrual_draws_on_the_slice_the_budget_chose_and_the_lot_remembers() -> None:
    program = with_promos(promo("a", multiplier="2", budget_points=20_000), promo("b", bonus_points=7))
    member, book = enrolled(program, "m-1", T0), Book()
    answer = accrue(program, member, "t0", 1000, budget=Budget(a=100), book=book)
    assert [(p.promotion_id, p.points) for p in answer.accrual.promotions] == [("a", 10), ("b", 7)]
    lot = book.lots["accrual#t0"]
    assert [(g.promotion_id, g.points, g.slice) for g in lot.promotions] == [("a", 10, 0), ("b", 7, None)]
    cmd = accrual.AccrualCommand("t1", "purchase", T0, purchase=buy(1000))
    assert accrual.accrue(program, member, cmd, T0, budget=Budget(a=100)).budget == [BudgetDraw("a", 0, 10, 10_000)]


# --- reversals -------------------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 10**6), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
def test_apportion_adds_up_and_never_gives_a_part_more_than_its_weight(total: int, weights: list[int]) -> None:
    total = min(total, sum(weights))
    parts = apportion(total, weights)
    assert sum(parts) == total or sum(weights) == 0
    assert all(0 <= p <= w for p, w in zip(parts, weights, strict=True))
    exact = [Fraction(total * w, sum(weights) or 1) for w in weights]
    assert all(abs(p - e) < 1 for p, e in zip(parts, exact, strict=True))


def test_promotion_points_come_back_in_the_same_proportion_as_the_rest() -> None:
    # 100 points of which 50 base, 30 and 20 from two promotions: a refund of half takes 25, 15 and 10
    assert promotions_reversed(50, 50, [30, 20]) == [15, 10]
    assert promotions_reversed(1, 50, [30, 20]) == [0, 0]
    assert promotions_reversed(100, 50, [30, 20]) == [30, 20]


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(100, 100_000), refunds=st.lists(st.integers(1, 100_000), min_size=1, max_size=5),
       tier=st.sampled_from(sorted(TIER)))
def test_refunds_give_every_promotion_and_its_budget_back_and_the_completing_one_all(
        amount: int, refunds: list[int], tier: str) -> None:
    program = with_promos(promo("a", multiplier="1.5", budget_points=50_000), promo("b", bonus_points=13),
                          promo("c", multiplier="2", budget_points=20_000, categories=["promo"]))
    member, book = enrolled(program, "m-1", T0), Book()
    member.tier = tier
    answer = accrue(program, member, "t0", amount + 500, budget=Budget(a=10**6, c=10**6), book=book,
                    lines=(("S", "promo", 500),))
    lot = book.lots["accrual#t0"]
    given = {g.promotion_id: g.points for g in lot.promotions}
    assert given == {p.promotion_id: p.points for p in answer.accrual.promotions}
    refunded, back = 0, {"a": 0, "c": 0}
    for n, refund in enumerate(refunds):
        refund = min(refund, lot.amount_minor - refunded) if lot.amount_minor else refund  # type: ignore[operator]
        if refund <= 0:
            break
        cmd = accrual.ReversalCommand(f"v{n}", "t0", refund if n < len(refunds) - 1 else None)
        posting = book.apply(accrual.reverse(program, member, lot, cmd, T0))
        refunded = lot.refunded_minor
        for draw in posting.budget:
            assert draw.points < 0 and draw.slice == 0
            back[draw.promotion_id] -= draw.points
        taken = posting.entries[0].detail["promotions"]
        share = Fraction(refunded, lot.amount_minor or 1)
        for grant in lot.promotions:  # each promotion has given back about its share of the refunded amount
            assert abs(grant.reversed_points - grant.points * share) <= len(lot.promotions) + 1
            assert 0 <= taken[grant.promotion_id] <= grant.points
    assert lot.refunded_minor == lot.amount_minor  # the last refund was of the whole rest
    assert [g.reversed_points for g in lot.promotions] == [g.points for g in lot.promotions]
    assert back == {k: v for k, v in given.items() if k in back}


# --- the simulation ----------------------------------------------------------------------------------------------------

def test_the_simulation_answers_as_an_accrual_of_a_member_with_no_history() -> None:
    program = with_promos(promo("first", bonus_points=100, first_purchase=True, per_member_limit=1),
                          promo("gold-vip", multiplier="2", tiers=["Gold"], segments=["vip"]))
    cmd = accrual.AccrualCommand("sim", "purchase", T0, purchase=buy(1000))
    got = accrual.simulate(program, "Gold", ["vip"], cmd, T0, Budget()).accrual
    assert got.points == 15 + 15 + 100
    assert [(p.promotion_id, p.points) for p in got.promotions] == [("first", 100), ("gold-vip", 15)]
    assert accrual.simulate(program, None, [], cmd, T0, Budget()).accrual.points == 110
    with pytest.raises(InvalidRequest, match="tier"):
        accrual.simulate(program, "Diamond", [], cmd, T0, Budget())
