"""Challenges through the real handlers against moto: a program with a challenge, progress in the member view, the
bonus once in the history and the balance, ChallengeCompleted published with the write, reversals, replays."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema

from loyalty.service.ledger_audit import audit_all
from tests.support.api import SERVICE, history, ok, view
from tests.support.aws import program_document, put_program
from tests.support.functions import bus_event, call

ROOT = Path(__file__).resolve().parents[2]
NOV = datetime(2026, 11, 10, 9, tzinfo=UTC)
Published = list[tuple[str, dict[str, Any]]]


def install(*challenges: dict[str, Any]) -> None:
    put_program({**program_document(), "challenges": list(challenges)})


def challenge(**fields: Any) -> dict[str, Any]:
    return {"challenge_id": "three-in-a-month", "name": "Three purchases a month",
            "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z", "goal": {"purchases": 3},
            "window": "calendar_month", "bonus_points": 300, **fields}


def purchase(member_id: str, tx: str, amount: int = 2_000) -> Any:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}
    return call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE)


def completed(published: Published) -> list[dict[str, Any]]:
    return [detail for kind, detail in published if kind == "ChallengeCompleted"]


def test_three_purchases_grant_the_bonus_once_with_its_entry_and_event(
        moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    install(challenge())
    clock_at(NOV)
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(purchase("m-1", "t-1"))
    second = ok(purchase("m-1", "t-2"))
    assert second["member"]["challenges"] == [
        {"challenge_id": "three-in-a-month", "progress": 2, "target": 3, "completed_at": None}]
    assert completed(published) == []
    clock_at(NOV + timedelta(hours=1))
    third = ok(purchase("m-1", "t-3"))
    assert third["accrual"]["points"] == 20  # the purchase's own points
    assert third["member"]["balance"] == {"available": 100 + 300, "pending": 60, "lifetime": 460, "qualifying": 60}
    assert third["member"]["challenges"] == [{"challenge_id": "three-in-a-month", "progress": 3, "target": 3,
                                              "completed_at": "2026-11-10T10:00:00.000000Z"}]
    [bonus] = [h for h in history("m-1") if h["entry_id"].startswith("challenge#")]
    assert bonus == {"entry_id": "challenge#three-in-a-month#2026-11-01", "type": "accrual", "points": 300,
                     "created_at": "2026-11-10T10:00:00.000000Z", "reference": "three-in-a-month"}
    [event] = completed(published)
    assert {k: v for k, v in event.items() if k != "event_id"} == {
        "member_id": "m-1", "challenge_id": "three-in-a-month", "bonus_points": 300,
        "completed_at": "2026-11-10T10:00:00.000000Z",
        "window": {"kind": "calendar_month", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"}}
    assert event["event_id"].startswith("m-1/")
    schemas = json.loads((ROOT / "docs" / "events.schema.json").read_text())
    jsonschema.validate(event, schemas["detail-types"]["ChallengeCompleted"])

    assert ok(purchase("m-1", "t-3")) == third  # a replay grants nothing again
    ok(purchase("m-1", "t-4"))
    assert len(completed(published)) == 1
    assert view("m-1")["balance"]["available"] == 400
    assert audit_all()[1] == []


def test_a_reversal_keeps_the_granted_bonus(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    install(challenge(goal={"purchases": 1}))
    clock_at(NOV)
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(purchase("m-1", "t-1"))
    answer = ok(call("POST", "/v1/members/m-1/accruals/t-1/reversals", {"reversal_id": "v-1"}, **SERVICE))
    assert answer["reversal"]["points"] == 20
    assert answer["member"]["balance"]["available"] == 400 and answer["member"]["balance"]["pending"] == 0
    assert audit_all()[1] == []


def test_the_next_month_starts_a_new_window(moto_aws: None, clock_at: Callable[[datetime], None],
                                            published: Published) -> None:
    install(challenge(goal={"spend_minor": 10_000, "currency": "USD"}))
    clock_at(datetime(2026, 11, 30, 23, tzinfo=UTC))
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(purchase("m-1", "t-1", 10_000))
    clock_at(datetime(2026, 12, 1, 1, tzinfo=UTC))
    assert view("m-1")["challenges"][0] == {"challenge_id": "three-in-a-month", "progress": 0, "target": 10_000,
                                            "completed_at": None}
    ok(purchase("m-1", "t-2", 4_000))
    assert view("m-1")["challenges"][0]["progress"] == 4_000
    ok(purchase("m-1", "t-3", 6_000))
    assert [e["window"]["starts_at"] for e in completed(published)] == ["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"]
    assert audit_all()[1] == []


def test_a_checkin_streak_through_the_api(moto_aws: None, clock_at: Callable[[datetime], None],
                                          published: Published) -> None:
    install(challenge(goal={"checkin_streak": 3}, window={"days": 7}, bonus_points=40))
    clock_at(NOV)
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    for n, day in enumerate((0, 1, 3, 4, 5)):  # day 2 is missed: the streak starts again on day 3
        clock_at(NOV + timedelta(days=day))
        answer = ok(call("POST", "/v1/members/m-1/accruals",
                         {"transaction_id": f"c-{n}", "kind": "activity", "activity": "checkin"}, **SERVICE))
    assert [e["completed_at"][:10] for e in completed(published)] == ["2026-11-15"]
    assert answer["member"]["balance"]["available"] == 100 + 5 * 5 + 40
    assert audit_all()[1] == []


def test_a_payment_captured_event_counts_too(moto_aws: None, published: Published) -> None:
    now = datetime.now(UTC)
    install(challenge(goal={"purchases": 1}, starts_at="2026-01-01T00:00:00Z",
                      ends_at=(now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")))
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    detail = {"member_id": "m-1", "transaction_id": "pay-1", "amount_minor": 5_000, "currency": "EUR",
              "channel": "store", "lines": [], "occurred_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    bus_event("AccrueFunction", "payments", "PaymentCaptured", detail)
    assert [(e["member_id"], e["bonus_points"]) for e in completed(published)] == [("m-1", 300)]
    assert view("m-1")["challenges"][0]["completed_at"] is not None


def test_a_challenge_removed_and_put_back_never_grants_a_window_twice(
        moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    install(challenge(goal={"purchases": 1}, window="challenge"))
    clock_at(NOV)
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(purchase("m-1", "t-1"))
    install()  # removed: the member forgets its progress at its next accrual
    ok(purchase("m-1", "t-2"))
    install(challenge(goal={"purchases": 1}, window="challenge"))  # back, with the window already granted
    third = ok(purchase("m-1", "t-3"))
    assert third["accrual"]["points"] == 20 and third["member"]["balance"]["available"] == 400
    assert [h["entry_id"] for h in history("m-1") if h["entry_id"].startswith("challenge#")] == [
        "challenge#three-in-a-month#2026-11-01"]
    assert len(completed(published)) == 1
    assert audit_all()[1] == []


def test_receipts_count_as_purchases_for_members_of_the_segment(
        moto_aws: None, clock_at: Callable[[datetime], None], published: Published) -> None:
    install(challenge(goal={"purchases": 2}, segments=["vip"]))
    clock_at(NOV)
    for member_id in ("m-1", "m-2"):
        ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))
    ok(call("PATCH", "/v1/members/m-1", {"segments": ["vip"]}, **SERVICE), 200)
    for member_id in ("m-1", "m-2"):
        ok(purchase(member_id, f"{member_id}-t-1"))
        body = {"transaction_id": f"{member_id}-r-1", "kind": "receipt", "store_id": "store-7", "amount_minor": 1_500,
                "currency": "USD"}
        ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))
    assert [e["member_id"] for e in completed(published)] == ["m-1"]  # m-2 is in no segment: it takes no part
    assert view("m-1")["challenges"][0]["progress"] == 2 and view("m-2")["challenges"] == []
    assert audit_all()[1] == []


def test_without_challenges_the_view_lists_none(moto_aws: None) -> None:
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    assert view("m-1")["challenges"] == []
