"""POST /v1/admin/imports through the real handler: imported members read, spend and expire as members that earned
their lots here; replays change nothing; enrolled members and bad lots are refused; the audit stays clean."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.domain.timeutil import iso
from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import ADMIN, SERVICE, history, midnight, ok, view
from tests.support.functions import call, concurrently, scheduled

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def lot(points: int, earned_days_ago: int, expires_in_days: int) -> dict[str, Any]:
    return {"points": points, "earned_at": (NOW - timedelta(days=earned_days_ago)).isoformat(),
            "expires_at": (NOW + timedelta(days=expires_in_days)).isoformat()}


def send(members: list[dict[str, Any]], import_id: str = "imp-1") -> list[dict[str, Any]]:
    answer = ok(call("POST", "/v1/admin/imports", {"import_id": import_id, "members": members}, **ADMIN), 200)
    assert answer["import_id"] == import_id
    return answer["results"]  # type: ignore[no-any-return]


def stats() -> dict[str, Any]:
    return ok(call("GET", "/v1/admin/stats", **ADMIN), 200)  # type: ignore[no-any-return]


def test_an_imported_member_reads_as_one_that_earned_its_lots(moto_aws: None,
                                                               clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    members_before = stats()["members"]
    results = send([{"member_id": "old-1", "tier": "Gold", "segments": ["vip"], "birthday": "03-14",
                     "lots": [lot(300, 200, 20), lot(700, 100, 200), lot(50, 10, 20)]}])
    assert results == [{"member_id": "old-1", "status": "imported", "error": None}]
    member = view("old-1")
    assert member["balance"] == {"available": 1050, "pending": 0, "lifetime": 1050, "qualifying": 0}  # no welcome
    assert member["tier"] == "Gold" and member["segments"] == ["vip"] and member["birthday"] == "03-14"
    assert len(member["referral_code"]) == 8
    assert member["expiring"] == [{"date": (NOW + timedelta(days=20)).date().isoformat(), "points": 350}]
    [entry] = history("old-1")
    assert (entry["type"], entry["points"], entry["reference"]) == ("adjustment", 1050, "import:imp-1")
    soon, later = ((NOW + timedelta(days=n)).date().isoformat() for n in (20, 200))
    [imported_lot] = repository.ledger_and_lots("old-1")[1]  # one lot, a segment per expiry date, on the entry
    assert (imported_lot.points, imported_lot.earned_at, imported_lot.status, imported_lot.qualifying) == (
        1050, NOW - timedelta(days=200), "available", False)
    assert {day: points for day, (points, _) in imported_lot.segments.items()} == {soon: 350, later: 700}
    [stored] = repository.entries_of("old-1")
    assert stored.detail["lots"] == [  # the lots as sent, with the dates they were earned, soonest expiring first
        {"points": 300, "earned_at": iso(NOW - timedelta(days=200)), "expires_on": soon},
        {"points": 50, "earned_at": iso(NOW - timedelta(days=10)), "expires_on": soon},
        {"points": 700, "earned_at": iso(NOW - timedelta(days=100)), "expires_on": later}]
    assert stats()["members"] == members_before + 1
    member_state = repository.get_member("old-1")
    assert member_state is not None and member_state.review_on == (NOW + timedelta(days=365)).date().isoformat()
    assert audit_all()[1] == []


def test_imported_points_can_be_spent_at_once_soonest_expiring_first(moto_aws: None,
                                                                      clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    send([{"member_id": "old-2", "lots": [lot(400, 30, 300), lot(600, 30, 20)]}])
    ok(call("POST", "/v1/members/old-2/redemptions", {"redemption_id": "r-1", "reward_id": "coffee"}, **SERVICE))
    member = view("old-2")
    assert member["balance"]["available"] == 500
    assert member["expiring"] == [{"date": (NOW + timedelta(days=20)).date().isoformat(), "points": 100}]
    assert audit_all()[1] == []


def test_the_points_clock_expires_imported_lots_on_their_date(moto_aws: None,
                                                              clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    send([{"member_id": "old-3", "lots": [lot(120, 300, 10), lot(80, 5, 90)]}])
    due = midnight((NOW + timedelta(days=10)).date())
    assert scheduled("ExpireFunction", due - timedelta(seconds=1))["expired_points"] == 0
    assert scheduled("ExpireFunction", due)["expired_points"] == 120
    assert view("old-3")["balance"]["available"] == 80
    assert (history("old-3")[0]["type"], history("old-3")[0]["points"]) == ("expiry", -120)
    assert audit_all()[1] == []


def test_a_replay_changes_nothing_and_a_changed_body_is_refused(moto_aws: None,
                                                                clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    body = [{"member_id": "old-4", "lots": [lot(100, 1, 100)]}, {"member_id": "old-5", "lots": [lot(5, 1, 100)]}]
    send(body)
    before = stats()
    code = view("old-4")["referral_code"]
    assert [r["status"] for r in send(body)] == ["replayed", "replayed"]
    changed = send([{"member_id": "old-4", "lots": [lot(999, 1, 100)]}])
    assert changed[0]["status"] == "refused" and changed[0]["error"]["code"] == "IDEMPOTENCY_MISMATCH"
    assert view("old-4")["balance"]["available"] == 100 and view("old-4")["referral_code"] == code
    assert stats() == before and len(history("old-4")) == 1
    clock_at(NOW + timedelta(days=200))  # its lot has expired since: the replay still answers as the import did
    assert send(body)[0]["status"] == "replayed"


def test_an_enrolled_member_is_refused_and_the_others_apply(moto_aws: None,
                                                            clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    ok(call("POST", "/v1/members", {"member_id": "here"}, **SERVICE))
    results = send([{"member_id": "here", "lots": [lot(100, 1, 100)]}, {"member_id": "new", "lots": []}])
    assert results[0]["status"] == "refused" and results[0]["error"]["code"] == "ALREADY_ENROLLED"
    assert results[1]["status"] == "imported"
    assert view("here")["balance"]["available"] == 100  # the welcome bonus only
    assert view("new")["balance"]["available"] == 0
    assert send([{"member_id": "new", "lots": []}], import_id="imp-2")[0]["error"]["code"] == "ALREADY_ENROLLED"


def test_a_bad_lot_refuses_its_member_whole(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    backwards = {"points": 10, "earned_at": NOW.isoformat(), "expires_at": (NOW - timedelta(days=1)).isoformat()}
    expired = lot(10, 400, -1)
    today = lot(10, 300, 0)  # its expiry date is today: the clock expires it today
    results = send([{"member_id": "bad-1", "lots": [lot(100, 1, 100), backwards]},
                    {"member_id": "bad-2", "lots": [expired]}, {"member_id": "bad-3", "lots": [today]},
                    {"member_id": "good", "lots": [lot(1, 1, 1)]}])
    assert [(r["status"], (r["error"] or {}).get("code")) for r in results] == [
        ("refused", "INVALID_LOT"), ("refused", "INVALID_LOT"), ("refused", "INVALID_LOT"), ("imported", None)]
    assert "before it was earned" in results[0]["error"]["message"]
    assert "expired already" in results[1]["error"]["message"]
    for member_id in ("bad-1", "bad-2", "bad-3"):
        assert call("GET", f"/v1/members/{member_id}", **ADMIN).status == 404
        assert repository.ledger_and_lots(member_id)[1] == []


def test_many_lots_are_merged_by_expiry_date_into_one_transaction(moto_aws: None,
                                                                  clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    lots = [lot(1, 300 - n, 10 + n % 5) for n in range(150)]  # 150 lots on 5 expiry dates
    assert send([{"member_id": "many", "lots": lots}])[0]["status"] == "imported"
    [merged] = repository.ledger_and_lots("many")[1]
    assert len(merged.segments) == 5 and sum(p for p, _ in merged.segments.values()) == 150
    assert view("many")["balance"]["available"] == 150
    too_many = [lot(1, 1, 10 + n) for n in range(91)]  # 91 distinct dates: more buckets than an import brings
    refused = send([{"member_id": "many-2", "lots": too_many}])[0]
    assert refused["error"]["code"] == "INVALID_LOT" and "distinct expiry dates" in refused["error"]["message"]
    assert audit_all()[1] == []


def test_a_malformed_request_applies_nothing(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    good = {"member_id": "fine", "lots": [lot(1, 1, 10)]}
    for body in ({"import_id": "imp", "members": [good, {"member_id": "x", "tier": "Diamond"}]},
                 {"import_id": "imp", "members": [good, {"member_id": "x", "lots": [{"points": "5"}]}]},
                 {"import_id": "imp", "members": [good, good]},
                 {"import_id": "imp", "members": []}):
        answer = call("POST", "/v1/admin/imports", body, **ADMIN)
        assert answer.status == 422 and answer.body["error"]["code"] == "INVALID_REQUEST", answer.body
    assert call("GET", "/v1/members/fine", **ADMIN).status == 404
    assert call("POST", "/v1/admin/imports", {"import_id": "imp", "members": [good]}, **SERVICE).status == 403


def test_concurrent_imports_of_one_member_apply_once(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    who = {"sub": "ops", "scope": "loyalty/admin"}
    body = {"import_id": "imp-c", "members": [{"member_id": "race", "lots": [lot(100, 1, 100)]}]}
    other = {"import_id": "imp-d", "members": [{"member_id": "race", "lots": [lot(100, 1, 100)]}]}
    answers = concurrently([("POST", "/v1/admin/imports", b, who) for b in (body, body, other)])
    statuses = sorted(a.body["results"][0]["status"] + "/" + str((a.body["results"][0]["error"] or {}).get("code"))
                      for a in answers)
    assert statuses.count("imported/None") == 1, statuses
    assert set(statuses) <= {"imported/None", "replayed/None", "refused/ALREADY_ENROLLED"}
    assert view("race")["balance"]["available"] == 100 and len(history("race")) == 1
    assert audit_all()[1] == []
