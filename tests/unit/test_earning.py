"""How many points a purchase earns: base rates, category, promotion and tier multipliers, one rounding, bonuses."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from loyalty.domain.earning import Purchase, PurchaseLine, purchase_points
from loyalty.domain.errors import InvalidRequest
from loyalty.domain.program import Program

from .builders import make_program

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
# the design's figures, written down independently of program/default.json
MINOR_PER_POINT = {"USD": 100, "EUR": 100, "CNY": 700}
CATEGORY = {"private-label": Fraction(3), "promo": Fraction(2)}
TIER = {"Member": Fraction(1), "Silver": Fraction(5, 4), "Gold": Fraction(3, 2), "Platinum": Fraction(2)}


def buy(amount: int, currency: str = "USD", lines: tuple[tuple[str | None, str | None, int], ...] = (),
        channel: str | None = "online", at: datetime = T0) -> Purchase:
    return Purchase(amount, currency, channel, tuple(PurchaseLine(sku, cat, amt) for sku, cat, amt in lines), at)


def expected(amount: int, currency: str, lines: tuple[tuple[str | None, str | None, int], ...], tier: str,
             extra: dict[int, Fraction] | None = None) -> int:
    """Independent reference: each line at its category factor, the rest at base, times tier, floor once."""
    weighted = Fraction(amount - sum(a for _, _, a in lines))
    for i, (_, cat, amt) in enumerate(lines):
        weighted += amt * CATEGORY.get(cat or "", Fraction(1)) * (extra or {}).get(i, Fraction(1))
    return int(weighted * TIER[tier] / MINOR_PER_POINT[currency])  # int() floors a positive Fraction


@pytest.mark.parametrize("currency", ["USD", "EUR", "CNY"])
@pytest.mark.parametrize("amount", [1, 99, 100, 101, 699, 700, 701, 1399, 1400, 12345, 10**11])
def test_base_rate_per_currency(program: Program, currency: str, amount: int) -> None:
    assert purchase_points(program, buy(amount, currency), "Member").points == amount // MINOR_PER_POINT[currency]


def test_usd_and_eur_one_point_per_unit_cny_one_per_seven(program: Program) -> None:
    assert purchase_points(program, buy(100, "USD"), "Member").points == 1
    assert purchase_points(program, buy(100, "EUR"), "Member").points == 1
    assert purchase_points(program, buy(699, "CNY"), "Member").points == 0
    assert purchase_points(program, buy(700, "CNY"), "Member").points == 1


def test_unknown_currency_is_refused(program: Program) -> None:
    with pytest.raises(InvalidRequest) as err:
        purchase_points(program, buy(1000, "GBP"), "Member")
    assert err.value.code == "UNSUPPORTED_CURRENCY"


def test_category_multipliers_apply_to_their_lines_and_the_rest_earns_at_base(program: Program) -> None:
    lines = (("A1", "private-label", 2000), ("B2", "promo", 1500), ("C3", "apparel", 1000), ("D4", None, 500))
    got = purchase_points(program, buy(12345, "USD", lines), "Member").points
    assert got == (2000 * 3 + 1500 * 2 + 1000 + 500 + (12345 - 5000)) // 100
    assert got == expected(12345, "USD", lines, "Member")


def test_lines_covering_the_whole_amount_leave_no_base_remainder(program: Program) -> None:
    lines = (("A", "private-label", 700),)
    assert purchase_points(program, buy(700, "CNY", lines), "Member").points == 3


def test_rounding_is_down_once_after_all_multipliers(program: Program) -> None:
    # per line, 50 minor at x3 would round to 1 point each: rounding once gives 3
    lines = (("A", "private-label", 50), ("B", "private-label", 50))
    assert purchase_points(program, buy(100, "USD", lines), "Member").points == 3
    # 1.99 USD at Silver: 2.4875 -> 2, where rounding the base first would give floor(1 * 1.25) = 1
    assert purchase_points(program, buy(199, "USD"), "Silver").points == 2
    # 0.67 USD promo x2 at Gold: 0.67*2*1.5 = 2.01 -> 2 (never rounded up, never rounded early to 0)
    assert purchase_points(program, buy(67, "USD", (("P", "promo", 67),)), "Gold").points == 2
    assert purchase_points(program, buy(66, "USD", (("P", "promo", 66),)), "Gold").points == 1


@pytest.mark.parametrize("tier", ["Member", "Silver", "Gold", "Platinum"])
@pytest.mark.parametrize("amount,currency,lines", [
    (10000, "USD", ()),
    (12345, "EUR", (("A1", "private-label", 2000),)),
    (98765, "CNY", (("A1", "promo", 7001), ("A2", "private-label", 13))),
    (333, "USD", (("A1", "promo", 111), ("A2", "private-label", 111))),
])
def test_tier_multiplier_applies_to_the_whole_purchase(program: Program, tier: str, amount: int, currency: str,
                                                      lines: Any) -> None:
    assert purchase_points(program, buy(amount, currency, lines), tier).points == expected(amount, currency, lines, tier)


def test_higher_tier_never_earns_less(program: Program) -> None:
    for amount in (1, 57, 100, 12345, 999_999):
        points = [purchase_points(program, buy(amount), t).points for t in TIER]
        assert points == sorted(points)


# --- promotions as data -----------------------------------------------------------------------------------------

def promo(**fields: Any) -> dict[str, Any]:
    base = {"promotion_id": "p", "name": "November", "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-01T00:00:00Z"}
    return {**base, **fields}


def with_promos(*promos: dict[str, Any]) -> Program:
    return make_program(promotions=list(promos))


def test_promotion_is_time_boxed_start_inclusive_end_exclusive() -> None:
    program = with_promos(promo(multiplier="2"))
    start = datetime(2026, 11, 1, tzinfo=UTC)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    assert purchase_points(program, buy(1000, at=start - timedelta(seconds=1)), "Member").points == 10
    assert purchase_points(program, buy(1000, at=start), "Member").points == 20
    assert purchase_points(program, buy(1000, at=end - timedelta(seconds=1)), "Member").points == 20
    assert purchase_points(program, buy(1000, at=end), "Member").points == 10


def test_promotion_channel_filter() -> None:
    program = with_promos(promo(multiplier="2", channels=["app"]))
    assert purchase_points(program, buy(1000, channel="app"), "Member").points == 20
    assert purchase_points(program, buy(1000, channel="store"), "Member").points == 10
    assert purchase_points(program, buy(1000, channel=None), "Member").points == 10


def test_promotion_tier_filter_and_tier_multiplier_stack() -> None:
    program = with_promos(promo(multiplier="2", tiers=["Gold"]))
    assert purchase_points(program, buy(1000), "Silver").points == expected(1000, "USD", (), "Silver")
    assert purchase_points(program, buy(1000), "Gold").points == int(Fraction(1000) * 2 * TIER["Gold"] / 100)


def test_category_promotion_applies_only_to_matching_lines_the_rest_at_base() -> None:
    program = with_promos(promo(multiplier="3", categories=["promo"]))
    lines = (("X", "promo", 1000), ("Y", "private-label", 1000))
    got = purchase_points(program, buy(10000, lines=lines), "Member")
    assert got.points == expected(10000, "USD", lines, "Member", extra={0: Fraction(3)})
    assert got.points == (1000 * 2 * 3 + 1000 * 3 + 8000) // 100
    assert got.promotion_ids == ("p",)


def test_sku_promotion() -> None:
    program = with_promos(promo(multiplier="1.5", skus=["SKU-1"]))
    lines = (("SKU-1", None, 1000), ("SKU-2", None, 1000))
    assert purchase_points(program, buy(3000, lines=lines), "Member").points == (1500 + 1000 + 1000) // 100


def test_category_and_sku_filters_must_both_match() -> None:
    program = with_promos(promo(multiplier="2", skus=["S1"], categories=["promo"]))
    lines = (("S1", "promo", 100), ("S1", "other", 100), ("S2", "promo", 100))
    assert purchase_points(program, buy(300, lines=lines), "Member").points == (100 * 2 * 2 + 100 + 100 * 2) // 100


def test_bonus_points_are_added_once_after_rounding_and_only_when_the_promotion_applies() -> None:
    program = with_promos(promo(bonus_points=50, categories=["promo"]))
    with_line = purchase_points(program, buy(1050, lines=(("X", "promo", 100),)), "Gold")
    assert with_line.points == int((Fraction(100 * 2) + 950) * TIER["Gold"] / 100) + 50
    # no matching line: neither multiplier nor bonus
    without = purchase_points(program, buy(1050, lines=(("X", "other", 100),)), "Gold")
    assert without.points == int(Fraction(1050) * TIER["Gold"] / 100)
    assert without.promotion_ids == ()


def test_overlapping_promotions_multiply() -> None:
    program = with_promos(promo(promotion_id="a", multiplier="2"), promo(promotion_id="b", multiplier="1.5"))
    got = purchase_points(program, buy(1000), "Member")
    assert got.points == 30
    assert got.promotion_ids == ("a", "b")


def test_a_new_promotion_needs_no_code_only_data(program: Program) -> None:
    assert program.promotions == []  # the default program ships none active
    assert purchase_points(program, buy(1000, channel="app"), "Platinum").points == 20
