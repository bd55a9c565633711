"""The member's profile and the bonuses it gives: birthdays (the leap day included), who may change what, the
birthday bonus once a year, and tier entry bonuses once ever."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from loyalty.domain import clock, profile
from loyalty.domain.accrual import AccrualCommand, accrue
from loyalty.domain.earning import Purchase
from loyalty.domain.errors import Forbidden
from loyalty.domain.program import Program
from loyalty.events import PointsAccrued

from .builders import Book, enrolled, make_program

T0 = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(("text", "valid"), [
    ("01-01", True), ("12-31", True), ("02-29", True), ("04-30", True), ("02-30", False), ("04-31", False),
    ("00-01", False), ("13-01", False), ("01-00", False), ("1-01", False), ("01/01", False), ("٠١-٠١", False),
    ("0a-01", False), ("", False)])
def test_a_birthday_is_a_real_calendar_day(text: str, valid: bool) -> None:
    assert profile.valid_birthday(text) is valid


@pytest.mark.parametrize(("day", "celebrated"), [
    (date(2027, 2, 28), ["02-28", "02-29"]), (date(2028, 2, 28), ["02-28"]), (date(2028, 2, 29), ["02-29"]),
    (date(2027, 3, 1), ["03-01"]), (date(2027, 12, 31), ["12-31"])])
def test_leap_day_birthdays_are_celebrated_on_28_february_in_other_years(day: date, celebrated: list[str]) -> None:
    assert profile.birthdays_on(day) == celebrated


def test_a_member_sets_its_birthday_once(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    posting = profile.update_profile(program, member, profile.ProfileChange(birthday="05-06"), True, T0)
    assert posting.members == [member] and member.birthday == "05-06"
    assert profile.update_profile(program, member, profile.ProfileChange(birthday="05-06"), True, T0).empty
    with pytest.raises(Forbidden):
        profile.update_profile(program, member, profile.ProfileChange(birthday="05-07"), True, T0)
    with pytest.raises(Forbidden):
        profile.update_profile(program, member, profile.ProfileChange(clear_birthday=True), True, T0)
    assert member.birthday == "05-06"
    profile.update_profile(program, member, profile.ProfileChange(birthday="05-07", segments=("vip",)), False, T0)
    assert (member.birthday, member.segments) == ("05-07", ["vip"])
    view = member.view(program, T0.date())
    assert (view.birthday, view.segments) == ("05-07", ["vip"])


def test_the_birthday_bonus_once_a_year_and_not_qualifying(program: Program) -> None:
    member = enrolled(program, "m-1", T0)
    member.birthday = "03-01"
    posting = profile.birthday_bonus(program, member, T0)
    assert [(e.key, e.points) for e in posting.entries] == [("birthday#2027", 250)]
    assert member.wallet.available == 350 and member.qualifying(program, T0.date()) == 0
    assert [lot.lot_id for lot in posting.new_lots] == ["birthday#2027"]
    assert [e.kind for e in posting.events if isinstance(e, PointsAccrued)] == ["birthday"]
    assert profile.birthday_bonus(program, member, T0 + timedelta(hours=5)).empty  # a re-run of the day
    assert profile.birthday_bonus(program, member, T0 + timedelta(days=1)).empty  # not its birthday
    next_year = profile.birthday_bonus(program, member, T0.replace(year=2028))
    assert [e.key for e in next_year.entries] == ["birthday#2028"]
    assert profile.birthday_bonus(make_program(birthday_points=0), member, T0.replace(year=2029)).empty


def test_entry_bonuses_once_ever_per_tier(program: Program) -> None:
    book = Book()
    member = enrolled(program, "m-1", T0, book)
    purchase = Purchase(520_000, "USD", None, (), T0)
    book.apply(accrue(program, member, AccrualCommand("t-1", "purchase", T0, purchase=purchase), T0))
    up = book.apply(clock.evaluate_upgrade(program, member, T0))  # Member -> Gold: Silver's and Gold's bonuses
    assert sorted((e.key, e.points) for e in up.entries) == [("tier_bonus#Gold", 500), ("tier_bonus#Silver", 200)]
    assert member.qualifying(program, T0.date()) == 5_200 and member.wallet.available == 800
    assert member.tiers_reached == ["Silver", "Gold"]
    review = T0 + timedelta(days=365)
    book.apply(clock.review(program, member, review))
    assert member.tier == "Silver"
    later = review + timedelta(days=1)
    again = Purchase(520_000, "USD", None, (), later)
    book.apply(accrue(program, member, AccrualCommand("t-2", "purchase", later, purchase=again), later))
    back = clock.evaluate_upgrade(program, member, later)
    assert member.tier == "Gold" and back.entries == [] and back.new_lots == []


def test_fingerprints_of_requests_made_before_receipts_stay_as_they_were() -> None:
    purchase = Purchase(1_000, "USD", None, (), T0)
    assert "store_id" not in AccrualCommand("t-1", "purchase", T0, purchase=purchase).idempotency_payload()
    receipt = AccrualCommand("R-1", "receipt", T0, purchase=purchase, store_id="s-1")
    assert receipt.idempotency_payload()["store_id"] == "s-1" and receipt.earns_as_purchase
