"""Step 5, members: the profile (birthday, segments) and who may change it, the birthday bonus of the points
clock, the new activities, receipts claimed once across members, and tier benefits with their entry bonuses."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, history, ok, view
from tests.support.functions import Answer, bus_event, call, concurrently, scheduled

T0 = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)


def member_token(member_id: str) -> dict[str, str]:
    return {"sub": member_id, "scope": ""}


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def patch(member_id: str, body: Any, who: dict[str, str]) -> Answer:
    return call("PATCH", f"/v1/members/{member_id}", body, **who)


def refused(answer: Answer, status: int, code: str) -> None:
    assert (answer.status, answer.body["error"]["code"]) == (status, code), answer.body


def clean() -> None:
    assert audit_all()[1] == []


def run_clock(at: datetime) -> dict[str, Any]:
    return scheduled("ExpireFunction", at)  # type: ignore[no-any-return]


def birthday_entries(member_id: str) -> list[tuple[str, int]]:
    return [(h["entry_id"], h["points"]) for h in history(member_id) if h["entry_id"].startswith("birthday#")]


# --- the profile and who may change it ----------------------------------------------------------------------------

def test_a_member_sets_its_birthday_once_and_a_service_or_admin_at_any_time(moto_aws: None) -> None:
    enroll("m-1")
    assert (view("m-1")["birthday"], view("m-1")["segments"]) == (None, [])
    me = member_token("m-1")
    body = ok(patch("m-1", {"birthday": "07-14"}, me), 200)
    assert body["birthday"] == "07-14" and body["member_id"] == "m-1"
    assert view("m-1")["birthday"] == "07-14"
    assert ok(patch("m-1", {"birthday": "07-14"}, me), 200)["birthday"] == "07-14"  # the same again: a no-op
    refused(patch("m-1", {"birthday": "07-15"}, me), 403, "FORBIDDEN")  # once
    refused(patch("m-1", {"birthday": None}, me), 403, "FORBIDDEN")
    assert view("m-1")["birthday"] == "07-14"

    assert ok(patch("m-1", {"birthday": "07-15"}, SERVICE), 200)["birthday"] == "07-15"
    assert ok(patch("m-1", {"birthday": "12-31"}, ADMIN), 200)["birthday"] == "12-31"
    assert ok(patch("m-1", {"birthday": None}, ADMIN), 200)["birthday"] is None
    assert view("m-1")["birthday"] is None
    clean()


def test_segments_are_set_by_a_service_or_an_admin_never_by_the_member(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    refused(patch("m-1", {"segments": ["vip"]}, member_token("m-1")), 403, "FORBIDDEN")
    refused(patch("m-1", {"birthday": "01-02", "segments": ["vip"]}, member_token("m-1")), 403, "FORBIDDEN")
    assert view("m-1")["birthday"] is None  # a refused request changes nothing, not even the part it could do
    refused(patch("m-2", {"birthday": "01-02"}, member_token("m-1")), 403, "FORBIDDEN")  # another member
    assert ok(patch("m-1", {"segments": ["vip", "students"]}, SERVICE), 200)["segments"] == ["vip", "students"]
    assert ok(patch("m-1", {"birthday": "03-04"}, member_token("m-1")), 200)["segments"] == ["vip", "students"]
    assert ok(patch("m-1", {"segments": ["b2b"]}, ADMIN), 200)["segments"] == ["b2b"]
    assert view("m-1")["segments"] == ["b2b"] and view("m-1")["birthday"] == "03-04"
    assert ok(patch("m-1", {"segments": []}, ADMIN), 200)["segments"] == []
    refused(patch("nobody", {"segments": ["vip"]}, SERVICE), 404, "MEMBER_NOT_FOUND")


@pytest.mark.parametrize("body", [
    {}, {"birthday": "02-30"}, {"birthday": "13-01"}, {"birthday": "00-10"}, {"birthday": "2-3"},
    {"birthday": "1990-02-03"}, {"birthday": 214}, {"birthday": "٠١-٠١"}, {"segments": ["vip", "vip"]},
    {"segments": None}, {"segments": "vip"}, {"segments": ["no spaces"]}, {"segments": ["x" * 65]},
    {"segments": [f"s-{n}" for n in range(21)]}, {"nickname": "x"},
])
def test_profile_changes_are_strictly_validated(moto_aws: None, body: Any) -> None:
    enroll("m-1")
    refused(patch("m-1", body, SERVICE), 422, "INVALID_REQUEST")
    assert (view("m-1")["birthday"], view("m-1")["segments"]) == (None, [])


def test_the_leap_day_is_a_birthday(moto_aws: None) -> None:
    enroll("m-1")
    assert ok(patch("m-1", {"birthday": "02-29"}, member_token("m-1")), 200)["birthday"] == "02-29"


# --- the birthday bonus -------------------------------------------------------------------------------------------

def on(day: str, year: int) -> datetime:
    """The points clock's daily schedule time on MM-DD of a year."""
    return datetime(year, int(day[:2]), int(day[3:]), 0, 5, tzinfo=UTC)


def test_the_birthday_bonus_is_credited_once_on_the_day_and_again_the_next_year(moto_aws: None) -> None:
    year = T0.year + 1
    for n, birthday in ((1, "05-20"), (2, "05-21"), (3, None)):
        enroll(f"m-{n}")
        if birthday:
            ok(patch(f"m-{n}", {"birthday": birthday}, SERVICE), 200)
    before = view("m-1")["balance"]
    assert run_clock(on("05-19", year))["birthday_points"] == 0

    report = run_clock(on("05-20", year))
    assert report["birthday_points"] == 250
    after = view("m-1")["balance"]
    assert after["available"] == before["available"] + 250 and after["lifetime"] == before["lifetime"] + 250
    assert after["qualifying"] == before["qualifying"]  # a bonus, not earned points: it does not lift the tier
    assert birthday_entries("m-1") == [(f"birthday#{year}", 250)]
    assert birthday_entries("m-2") == [] and birthday_entries("m-3") == []
    clean()

    for again in (on("05-20", year), on("05-20", year) + timedelta(hours=12)):  # re-runs of the day
        assert run_clock(again)["birthday_points"] == 0
    assert birthday_entries("m-1") == [(f"birthday#{year}", 250)]

    ok(patch("m-1", {"birthday": "05-22"}, ADMIN), 200)  # moved after this year's bonus: not a second one
    assert run_clock(on("05-22", year))["birthday_points"] == 0
    assert run_clock(on("05-21", year))["birthday_points"] == 250  # m-2
    assert run_clock(on("05-22", year + 1))["birthday_points"] == 250  # the next year, on the new day
    assert birthday_entries("m-1") == [(f"birthday#{year + 1}", 250), (f"birthday#{year}", 250)]
    clean()


def test_a_missed_day_is_re_run_with_its_own_time(moto_aws: None) -> None:
    year = T0.year + 1
    enroll("m-1")
    ok(patch("m-1", {"birthday": "09-09"}, SERVICE), 200)
    assert run_clock(on("09-10", year))["birthday_points"] == 0  # the run of 09-09 did not happen
    assert run_clock(on("09-09", year))["birthday_points"] == 250  # run again as of the missed day
    assert birthday_entries("m-1") == [(f"birthday#{year}", 250)]
    clean()


def test_members_born_on_the_leap_day_celebrate_on_28_february_in_other_years(moto_aws: None) -> None:
    enroll("m-leap")
    enroll("m-28")
    ok(patch("m-leap", {"birthday": "02-29"}, SERVICE), 200)
    ok(patch("m-28", {"birthday": "02-28"}, SERVICE), 200)
    assert run_clock(on("02-28", 2027))["birthday_points"] == 500  # 2027 has no 29 February: both
    assert run_clock(on("03-01", 2027))["birthday_points"] == 0
    assert run_clock(on("02-28", 2028))["birthday_points"] == 250  # a leap year: only m-28 ...
    assert run_clock(on("02-29", 2028))["birthday_points"] == 250  # ... and m-leap on its own day
    assert birthday_entries("m-leap") == [("birthday#2028", 250), ("birthday#2027", 250)]
    clean()


def test_the_clock_reads_only_the_members_whose_birthday_it_is(moto_aws: None,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-born")
    ok(patch("m-born", {"birthday": "06-01"}, SERVICE), 200)
    ok(patch("m-other", {"birthday": "06-02"}, SERVICE), 404)  # not enrolled: nothing is written
    for n in range(5):
        enroll(f"m-plain-{n}")
    # the index is sparse: only members with a birthday are in it, with their keys only
    index = boto3.client("dynamodb").scan(TableName="MembersTable", IndexName="by_birthday")["Items"]
    assert [(i["member_id"]["S"], i["birthday"]["S"]) for i in index] == [("m-born", "06-01")]
    assert set(index[0]) == {"member_id", "birthday", "birthday_shard"}

    read: list[str] = []
    original = repository.get_member

    def counting(member_id: str) -> Any:
        read.append(member_id)
        return original(member_id)

    monkeypatch.setattr(repository, "get_member", counting)
    assert run_clock(on("06-01", T0.year + 1))["birthday_points"] == 250
    assert read == ["m-born"]
    read.clear()
    assert run_clock(on("06-03", T0.year + 1))["birthday_points"] == 0
    assert read == []


def test_no_birthday_bonus_when_the_program_gives_none(moto_aws: None) -> None:
    from tests.support.aws import program_document, put_program

    put_program({**program_document(), "birthday_points": 0})
    enroll("m-1")
    ok(patch("m-1", {"birthday": "04-04"}, SERVICE), 200)
    assert run_clock(on("04-04", T0.year + 1))["birthday_points"] == 0
    assert birthday_entries("m-1") == []


# --- the new activities -------------------------------------------------------------------------------------------

def activity(member_id: str, tx: str, name: str) -> Answer:
    return call("POST", f"/v1/members/{member_id}/accruals",
                {"transaction_id": tx, "kind": "activity", "activity": name}, **SERVICE)


@pytest.mark.parametrize(("name", "points", "count", "days"), [
    ("survey", 30, 2, 30), ("email_click", 2, 1, 1), ("site_visit", 1, 1, 1)])
def test_new_activities_earn_within_their_caps(moto_aws: None, clock_at: Callable[[datetime], None],
                                               name: str, points: int, count: int, days: int) -> None:
    clock_at(T0)
    enroll("m-1")
    for n in range(count):
        got = ok(activity("m-1", f"{name}-{n}", name))["accrual"]
        assert (got["points"], got["status"]) == (points, "available")
    refused(activity("m-1", f"{name}-over", name), 409, "ACTIVITY_CAP_REACHED")
    clock_at(T0 + timedelta(days=days - 1, hours=13))  # still inside the window (a calendar day for "a day")
    refused(activity("m-1", f"{name}-still", name), 409, "ACTIVITY_CAP_REACHED")
    clock_at(T0 + timedelta(days=days))
    assert ok(activity("m-1", f"{name}-later", name))["accrual"]["points"] == points
    assert view("m-1")["balance"]["available"] == 100 + points * (count + 1)
    clean()


def test_a_day_means_a_calendar_day(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    late = T0.replace(hour=23, minute=50)
    clock_at(late)
    enroll("m-1")
    ok(activity("m-1", "click-1", "email_click"))
    clock_at(late + timedelta(minutes=20))  # ten past midnight: another day
    assert ok(activity("m-1", "click-2", "email_click"))["accrual"]["points"] == 2


# --- receipts -----------------------------------------------------------------------------------------------------

def receipt(receipt_id: str, store: str = "store-7", amount: int = 12_345, **extra: Any) -> dict[str, Any]:
    return {"transaction_id": receipt_id, "kind": "receipt", "store_id": store, "amount_minor": amount,
            "currency": "USD", **extra}


def accrue(member_id: str, body: dict[str, Any]) -> Answer:
    return call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE)


def test_a_receipt_earns_as_a_store_purchase_once_across_members(moto_aws: None, published: list[Any]) -> None:
    enroll("m-1")
    enroll("m-2")
    first = ok(accrue("m-1", receipt("R-1")))
    assert first["accrual"]["points"] == 123 and first["accrual"]["status"] == "pending"  # as a purchase: held
    assert first["member"]["balance"]["pending"] == 123 and first["member"]["balance"]["qualifying"] == 123
    assert [e["kind"] for k, e in published if k == "PointsAccrued"] == ["receipt"]

    assert ok(accrue("m-1", receipt("R-1"))) == first  # the same member and body: a replay
    refused(accrue("m-1", receipt("R-1", amount=99_999)), 409, "IDEMPOTENCY_MISMATCH")
    refused(accrue("m-2", receipt("R-1")), 409, "RECEIPT_ALREADY_USED")  # another member
    refused(accrue("m-2", receipt("R-1", amount=1)), 409, "RECEIPT_ALREADY_USED")
    assert view("m-2")["balance"]["pending"] == 0
    assert ok(accrue("m-2", receipt("R-1", store="store-8")))["accrual"]["points"] == 123  # another store's R-1
    assert view("m-1")["balance"]["pending"] == 123
    clean()


def test_a_receipt_sent_by_two_members_at_once_earns_for_exactly_one(moto_aws: None) -> None:
    enroll("m-1")
    enroll("m-2")
    answers = concurrently([("POST", f"/v1/members/{m}/accruals", receipt("R-9"), {**SERVICE}) for m in ("m-1", "m-2")])
    assert sorted(a.status for a in answers) == [201, 409]
    loser = next(a for a in answers if a.status == 409)
    assert loser.body["error"]["code"] == "RECEIPT_ALREADY_USED"
    pending = [view(m)["balance"]["pending"] for m in ("m-1", "m-2")]
    assert sorted(pending) == [0, 123]
    claim = boto3.client("dynamodb").get_item(TableName="ProgramTable", Key={"pk": {"S": "receipt#store-7#R-9"}})
    winner = ("m-1", "m-2")[pending.index(123)]
    assert claim["Item"]["member_id"]["S"] == winner
    clean()


def test_a_receipt_accrual_is_reversed_like_a_purchase(moto_aws: None) -> None:
    enroll("m-1")
    ok(accrue("m-1", receipt("R-2", amount=10_000)))
    body = ok(call("POST", "/v1/members/m-1/accruals/R-2/reversals", {"reversal_id": "ref-1", "amount_minor": 2_500},
                   **SERVICE))
    assert body["reversal"]["points"] == 25 and body["member"]["balance"]["pending"] == 75
    ok(call("POST", "/v1/members/m-1/accruals/R-2/reversals", {"reversal_id": "ref-2"}, **SERVICE))
    assert view("m-1")["balance"] == {"available": 100, "pending": 0, "lifetime": 100, "qualifying": 0}
    enroll("m-2")  # a refunded receipt stays used
    refused(accrue("m-2", receipt("R-2", amount=10_000)), 409, "RECEIPT_ALREADY_USED")
    clean()


def test_a_first_receipt_qualifies_the_referral_as_a_first_purchase(moto_aws: None, published: list[Any]) -> None:
    code = ok(call("POST", "/v1/members", {"member_id": "alice"}, **SERVICE))["referral_code"]
    ok(call("POST", "/v1/members", {"member_id": "bob", "referral_code": code}, **SERVICE))
    published.clear()
    ok(accrue("bob", receipt("R-4")))
    [qualified] = [detail for kind, detail in published if kind == "ReferralQualified"]
    assert (qualified["member_id"], qualified["referee_id"], qualified["transaction_id"]) == ("alice", "bob", "R-4")


@pytest.mark.parametrize("body", [
    receipt("R-3", channel="store"), receipt("R-3", lines=[]), {**receipt("R-3"), "store_id": ""},
    {k: v for k, v in receipt("R-3").items() if k != "store_id"}, receipt("R-3", amount=0), receipt("R-3", currency="usd"),
])
def test_receipts_are_strictly_validated(moto_aws: None, body: dict[str, Any]) -> None:
    enroll("m-1")
    refused(accrue("m-1", body), 422, "INVALID_REQUEST")


# --- tier benefits and entry bonuses --------------------------------------------------------------------------------

def purchase(member_id: str, tx: str, amount: int) -> None:
    ok(accrue(member_id, {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}))


def upgrade(member_id: str, when: datetime) -> None:
    detail = {"member_id": member_id, "transaction_id": "t-tier", "points": 0, "status": "available", "kind": "purchase"}
    bus_event("TierEvaluateFunction", "loyalty", "PointsAccrued", detail, when)


def tier_bonuses(member_id: str) -> list[tuple[str, int]]:
    return sorted((h["entry_id"], h["points"]) for h in history(member_id) if h["entry_id"].startswith("tier_bonus#"))


def test_the_program_and_the_member_view_show_tier_benefits(moto_aws: None) -> None:
    program = ok(call("GET", "/v1/program", sub=None), 200)
    assert program["birthday_points"] == 250
    assert [(t["name"], t["entry_bonus"]) for t in program["tiers"]] == [
        ("Member", 0), ("Silver", 200), ("Gold", 500), ("Platinum", 1500)]
    assert all(t["benefits"] for t in program["tiers"])
    assert {"survey", "email_click", "site_visit"} <= set(program["activities"])
    enroll("m-1")
    assert view("m-1")["tier_benefits"] == program["tiers"][0]["benefits"]


def test_a_tier_entry_bonus_is_credited_once_ever(moto_aws: None, clock_at: Callable[[datetime], None],
                                                  published: list[Any]) -> None:
    clock_at(T0)
    enroll("m-1")
    purchase("m-1", "t-1", 200_000)  # 2 000 qualifying: Silver
    published.clear()
    upgrade("m-1", T0)
    member = view("m-1")
    assert member["tier"] == "Silver" and member["tier_benefits"][0] == "1.25x points on purchases"
    assert member["balance"] == {"available": 300, "pending": 2000, "lifetime": 2300, "qualifying": 2000}
    assert tier_bonuses("m-1") == [("tier_bonus#Silver", 200)]
    assert [(k, e.get("kind")) for k, e in published] == [("TierChanged", None), ("PointsAccrued", "tier_bonus")]
    upgrade("m-1", T0)  # a redelivered event: nothing more
    assert tier_bonuses("m-1") == [("tier_bonus#Silver", 200)]
    clean()

    review = T0 + timedelta(days=365)
    scheduled("TierEvaluateFunction", review)
    assert view("m-1")["tier"] == "Member"  # down ...
    clock_at(review + timedelta(days=1))
    purchase("m-1", "t-2", 200_000)
    upgrade("m-1", review + timedelta(days=1))
    assert view("m-1")["tier"] == "Silver"  # ... and up again: no second bonus
    assert tier_bonuses("m-1") == [("tier_bonus#Silver", 200)]
    clean()


def test_skipping_tiers_pays_each_entry_bonus_and_the_bonus_does_not_lift_the_tier(
        moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(T0)
    enroll("m-1")
    purchase("m-1", "t-1", 1_480_000)  # 14 800 qualifying: Gold, skipping Silver; 2 000 of bonus would reach 15 000
    upgrade("m-1", T0)
    member = view("m-1")
    assert member["tier"] == "Gold" and member["balance"]["qualifying"] == 14_800
    assert tier_bonuses("m-1") == [("tier_bonus#Gold", 500), ("tier_bonus#Silver", 200)]
    upgrade("m-1", T0)
    assert view("m-1")["tier"] == "Gold"  # the bonuses are not qualifying
    clean()


def test_the_audit_finds_a_receipt_accrual_without_its_claim(moto_aws: None) -> None:
    enroll("m-1")
    ok(accrue("m-1", receipt("R-5")))
    clean()
    boto3.client("dynamodb").delete_item(TableName="ProgramTable", Key={"pk": {"S": "receipt#store-7#R-5"}})
    assert audit_all()[1] == ["m-1: receipt#store-7#R-5 is held by nobody"]
