"""Challenges: each goal and window kind, the bonus once per window, segments, and a member item that stays bounded."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.answers import AccrualAnswer
from loyalty.domain import accrual
from loyalty.domain.earning import Purchase, PurchaseLine
from loyalty.domain.ledger import Posting
from loyalty.domain.member import MemberState
from loyalty.domain.program import Challenge, Program
from loyalty.events import ChallengeCompleted

from .builders import Book, enrolled, make_program

NOV = datetime(2026, 11, 1, tzinfo=UTC)
BONUS = 250


def challenge(goal: dict[str, Any], window: Any = "calendar_month", **fields: Any) -> dict[str, Any]:
    return {"challenge_id": "c1", "name": "The challenge", "starts_at": "2026-10-01T00:00:00Z",
            "ends_at": "2027-03-01T00:00:00Z", "goal": goal, "window": window, "bonus_points": BONUS, **fields}


def program_with(*challenges: dict[str, Any]) -> Program:
    return make_program(challenges=list(challenges))


class Shopper:
    """One member, its postings kept as storage would keep them."""

    def __init__(self, program: Program, segments: tuple[str, ...] = ()) -> None:
        self.program = program
        self.book = Book()
        self.member: MemberState = enrolled(program, "m-1", NOV - timedelta(days=40), self.book)
        self.member.segments = list(segments)
        self.n = 0

    def _accrue(self, cmd: accrual.AccrualCommand, now: datetime) -> Posting:
        return self.book.apply(accrual.accrue(self.program, self.member, cmd, now))

    def buy(self, at: datetime, amount: int = 1000, currency: str = "USD", categories: tuple[str, ...] = (),
            received: datetime | None = None) -> Posting:
        self.n += 1
        lines = tuple(PurchaseLine(f"S{i}", c, 10) for i, c in enumerate(categories))
        cmd = accrual.AccrualCommand(f"t{self.n}", "purchase", at, purchase=Purchase(amount, currency, "online", lines, at))
        return self._accrue(cmd, received or at)

    def act(self, activity: str, at: datetime) -> Posting:
        self.n += 1
        return self._accrue(accrual.AccrualCommand(f"a{self.n}", "activity", at, activity=activity), at)

    def bonuses(self) -> list[str]:
        return [e.key for e in self.book.entries if e.key.startswith("challenge#")]

    def status(self, at: datetime) -> list[dict[str, Any]]:
        return [s.model_dump() for s in self.member.view(self.program, at.date()).challenges]


def granted(posting: Posting) -> list[ChallengeCompleted]:
    return [e for e in posting.events if isinstance(e, ChallengeCompleted)]


# --- goals --------------------------------------------------------------------------------------------------------

def test_three_purchases_in_a_month_grant_the_bonus_once_on_the_third() -> None:
    s = Shopper(program_with(challenge({"purchases": 3})))
    postings = [s.buy(NOV + timedelta(days=d)) for d in range(5)]
    assert [len(granted(p)) for p in postings] == [0, 0, 1, 0, 0]
    assert s.bonuses() == ["challenge#c1#2026-11-01"]
    answer = postings[2].response
    assert isinstance(answer, AccrualAnswer)
    assert answer.accrual.points == 10  # the purchase's own points: the bonus is a lot and an entry of its own
    assert answer.member.balance.available == 100 + BONUS  # welcome + bonus: available at once, purchases pending
    assert answer.member.balance.qualifying == 30  # the bonus is not qualifying
    assert s.status(NOV + timedelta(days=4)) == [
        {"challenge_id": "c1", "progress": 3, "target": 3, "completed_at": "2026-11-03T00:00:00.000000Z"}]


def test_the_bonus_entry_lot_and_event() -> None:
    s = Shopper(program_with(challenge({"purchases": 1})))
    at = NOV + timedelta(days=3, hours=5)
    posting = s.buy(at)
    [entry] = [e for e in posting.entries if e.key.startswith("challenge#")]
    assert (entry.type, entry.points, entry.reference, entry.key) == ("accrual", BONUS, "c1", "challenge#c1#2026-11-01")
    [lot] = [lot for lot in posting.new_lots if lot.lot_id == entry.key]
    assert (lot.status, lot.qualifying, lot.points, lot.source) == ("available", False, BONUS, "challenge")
    [event] = granted(posting)
    assert event.model_dump(exclude={"event_id"}) == {
        "member_id": "m-1", "challenge_id": "c1", "bonus_points": BONUS, "completed_at": "2026-11-04T05:00:00.000000Z",
        "window": {"kind": "calendar_month", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"}}
    assert posting.stats["issued"] == 10 + BONUS


def test_month_boundary_and_window_reset() -> None:
    s = Shopper(program_with(challenge({"purchases": 3})))
    for day in (28, 29):
        s.buy(datetime(2026, 11, day, 12, tzinfo=UTC))
    assert not granted(s.buy(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)))  # a new month: 1 of 3, not 3
    assert s.status(datetime(2026, 12, 1, tzinfo=UTC))[0]["progress"] == 1
    for day in (2, 3):
        s.buy(datetime(2026, 12, day, tzinfo=UTC))
    assert s.bonuses() == ["challenge#c1#2026-12-01"]
    assert s.status(datetime(2027, 1, 1, tzinfo=UTC)) == [  # January starts from nothing
        {"challenge_id": "c1", "progress": 0, "target": 3, "completed_at": None}]
    for day in (5, 6, 7):
        s.buy(datetime(2027, 1, day, tzinfo=UTC))
    assert s.bonuses() == ["challenge#c1#2026-12-01", "challenge#c1#2027-01-01"]


def test_a_late_purchase_counts_in_the_month_it_was_made() -> None:
    s = Shopper(program_with(challenge({"purchases": 2})))
    s.buy(datetime(2026, 11, 29, tzinfo=UTC))
    s.buy(datetime(2026, 12, 2, tzinfo=UTC))
    posting = s.buy(datetime(2026, 11, 30, tzinfo=UTC), received=datetime(2026, 12, 3, tzinfo=UTC))
    assert [(e.window.starts_at, e.completed_at) for e in granted(posting)] == [
        ("2026-11-01T00:00:00Z", "2026-12-03T00:00:00.000000Z")]


def test_spend_counts_only_the_goal_currency() -> None:
    s = Shopper(program_with(challenge({"spend_minor": 10_000, "currency": "USD"})))
    s.buy(NOV, 6_000)
    s.buy(NOV, 90_000, "EUR")
    assert s.status(NOV)[0]["progress"] == 6_000
    assert not s.bonuses()
    assert granted(s.buy(NOV, 4_000))


def test_distinct_categories() -> None:
    s = Shopper(program_with(challenge({"distinct_categories": 3})))
    s.buy(NOV, categories=("toys", "toys"))
    s.buy(NOV, categories=("toys", "books"))
    s.buy(NOV)  # no lines, no category
    assert s.status(NOV)[0]["progress"] == 2
    assert granted(s.buy(NOV, categories=("garden",)))


def test_checkin_streak_broken_by_a_missed_day() -> None:
    s = Shopper(program_with(challenge({"checkin_streak": 3}, "challenge")))
    s.act("checkin", NOV)
    s.act("checkin", NOV + timedelta(days=1))
    assert s.status(NOV + timedelta(days=2))[0]["progress"] == 2  # alive until the day ends
    assert s.status(NOV + timedelta(days=3))[0]["progress"] == 0  # a day was missed
    s.act("review", NOV + timedelta(days=2))  # another activity does not count
    assert not granted(s.act("checkin", NOV + timedelta(days=3)))
    assert not granted(s.act("checkin", NOV + timedelta(days=4)))
    assert granted(s.act("checkin", NOV + timedelta(days=5)))
    assert s.bonuses() == ["challenge#c1#2026-10-01"]  # the whole challenge is one window
    s.act("checkin", NOV + timedelta(days=6))
    s.act("checkin", NOV + timedelta(days=7))
    assert s.bonuses() == ["challenge#c1#2026-10-01"]


def test_activity_count_in_a_rolling_window() -> None:
    s = Shopper(program_with(challenge({"activity": "review", "count": 2}, {"days": 7})))
    s.act("review", NOV)
    s.act("social_share", NOV + timedelta(days=3))
    assert not granted(s.act("review", NOV + timedelta(days=7)))  # the first fell out of the 7 days
    posting = s.act("review", NOV + timedelta(days=8))
    assert [(e.window.kind, e.window.starts_at, e.window.ends_at) for e in granted(posting)] == [
        ("days", "2026-11-03T00:00:00Z", "2026-11-10T00:00:00Z")]


def test_a_rolling_window_restarts_after_it_completed() -> None:
    s = Shopper(program_with(challenge({"purchases": 3}, {"days": 7})))
    for d in (0, 4, 8):
        s.buy(NOV + timedelta(days=d))
    assert not s.bonuses()  # day 0 is out of the window of day 8
    assert granted(s.buy(NOV + timedelta(days=9)))
    assert s.status(NOV + timedelta(days=9))[0] == {
        "challenge_id": "c1", "progress": 0, "target": 3, "completed_at": "2026-11-10T00:00:00.000000Z"}
    s.buy(NOV + timedelta(days=9, hours=2))  # the completing day counts no more
    for d in (10, 11):
        s.buy(NOV + timedelta(days=d))
    assert s.status(NOV + timedelta(days=11))[0]["progress"] == 2
    assert granted(s.buy(NOV + timedelta(days=12)))
    assert s.bonuses() == ["challenge#c1#2026-11-04", "challenge#c1#2026-11-07"]


def test_outside_the_challenge_nothing_counts() -> None:
    s = Shopper(program_with(challenge({"purchases": 1}, starts_at="2026-11-10T00:00:00Z",
                                       ends_at="2026-11-20T00:00:00Z")))
    s.buy(datetime(2026, 11, 9, 23, 59, tzinfo=UTC))
    s.buy(datetime(2026, 11, 20, tzinfo=UTC))
    assert not s.bonuses()
    assert s.status(datetime(2026, 11, 9, tzinfo=UTC)) == [] and s.status(datetime(2026, 11, 20, tzinfo=UTC)) == []
    assert s.status(datetime(2026, 11, 10, tzinfo=UTC))[0]["progress"] == 0


def test_only_members_of_a_segment_take_part() -> None:
    program = program_with(challenge({"purchases": 1}, segments=["vip", "staff"]))
    outsider, vip = Shopper(program), Shopper(program, ("vip",))
    assert not granted(outsider.buy(NOV)) and outsider.status(NOV) == []
    assert granted(vip.buy(NOV)) and vip.status(NOV)[0]["completed_at"] is not None


def test_two_challenges_complete_in_one_accrual() -> None:
    s = Shopper(program_with(challenge({"purchases": 1}), challenge({"spend_minor": 500, "currency": "USD"},
                                                                    challenge_id="c2", bonus_points=7)))
    posting = s.buy(NOV)
    assert sorted((e.challenge_id, e.bonus_points) for e in granted(posting)) == [("c1", BONUS), ("c2", 7)]
    assert s.member.wallet.available == 100 + BONUS + 7


def test_a_window_whose_bonus_key_is_taken_completes_without_a_grant() -> None:
    s = Shopper(program_with(challenge({"purchases": 1})))
    cmd = accrual.AccrualCommand("t1", "purchase", NOV, purchase=Purchase(1000, "USD", None, (), NOV))
    posting = accrual.accrue(s.program, s.member, cmd, NOV, taken=frozenset({"challenge#c1#2026-11-01"}))
    assert not granted(posting) and [e.key for e in posting.entries] == ["accrual#t1"]
    assert s.member.wallet.available == 100 and "2026-11-01" in s.member.challenges["c1"].completed


# --- the member item stays bounded ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("goal", "window", "most"), [
    ({"purchases": 50}, {"days": 7}, 7), ({"distinct_categories": 90}, {"days": 3}, 3),
    ({"purchases": 500}, "calendar_month", 2), ({"checkin_streak": 400 // 100}, "calendar_month", 4 + 1 + 31)])
def test_progress_is_bounded_by_the_window(goal: dict[str, Any], window: Any, most: int) -> None:
    s = Shopper(program_with(challenge(goal, window, ends_at="2028-01-01T00:00:00Z")))
    for d in range(120):
        at = NOV + timedelta(days=d)
        s.act("checkin", at) if "checkin_streak" in goal else s.buy(at, categories=(f"cat{d}",))
        progress = s.member.challenges["c1"]
        assert len(progress.figures) + len(progress.categories) <= most


def test_ended_and_removed_challenges_are_forgotten() -> None:
    s = Shopper(program_with(challenge({"purchases": 9}, ends_at="2026-11-05T00:00:00Z"),
                             challenge({"purchases": 9}, challenge_id="c2")))
    s.buy(NOV)
    assert set(s.member.challenges) == {"c1", "c2"}
    s.buy(datetime(2026, 12, 5, 1, tzinfo=UTC))  # c1 ended more than 30 days ago: no accrual can count any more
    assert set(s.member.challenges) == {"c2"}
    s.program = make_program()
    s.buy(datetime(2026, 12, 6, tzinfo=UTC))
    assert s.member.challenges == {}


def test_a_reversal_leaves_a_granted_bonus() -> None:
    s = Shopper(program_with(challenge({"purchases": 1})))
    s.buy(NOV)
    lot = s.book.lots["accrual#t1"]
    posting = accrual.reverse(s.program, s.member, lot, accrual.ReversalCommand("v1", "t1", None), NOV)
    assert posting.entries[0].points == -10
    assert (s.member.wallet.available, s.member.wallet.pending) == (100 + BONUS, 0)


# --- the document ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "path", "message"), [
    ({"goal": {"steps": 3}}, ("goal",), "goal must be one of"),
    ({"goal": {"spend_minor": 5}}, ("goal", "spend_minor", "currency"), "Field required"),
    ({"goal": {"purchases": 0}}, ("goal", "purchases", "purchases"), "greater than 0"),
    ({"goal": {"purchases": 3, "days": 2}}, ("goal", "purchases", "days"), "Extra inputs"),
    ({"window": {"days": 0}}, ("window", "RollingWindow", "days"), "greater than 0"),
    ({"ends_at": "2026-10-01T00:00:00Z"}, (), "ends_at must be after starts_at"),
    ({"starts_at": "2026-10-01T00:00:00"}, ("starts_at",), "timezone"),
    ({"goal": {"checkin_streak": 8}, "window": {"days": 7}}, (), "cannot fit"),
    ({"bonus_points": -1}, ("bonus_points",), "greater than 0"),
    ({"challenge_id": "a#b"}, ("challenge_id",), "pattern"),
])
def test_a_bad_challenge_is_refused_with_a_clear_error(change: dict[str, Any], path: tuple[str, ...],
                                                       message: str) -> None:
    with pytest.raises(ValidationError) as err:
        Challenge.model_validate({**challenge({"purchases": 3}), **change})
    assert any(e["loc"] == path and message in e["msg"] for e in err.value.errors()), err.value.errors()


def test_every_goal_kind_parses_with_its_target() -> None:
    goals = [({"purchases": 3}, 3), ({"spend_minor": 5000, "currency": "EUR"}, 5000), ({"distinct_categories": 4}, 4),
             ({"checkin_streak": 7}, 7), ({"activity": "review", "count": 2}, 2)]
    for goal, target in goals:
        assert Challenge.model_validate(challenge(goal)).target == target
