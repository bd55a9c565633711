"""Events ride in the write that causes them (the member item's outbox) and are published from the table's stream:
a crash after the commit loses none, a cancelled write announces nothing, a bus failure is retried."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from loyalty.platform import bus
from loyalty.storage import repository
from tests.fault.support import enroll, sound
from tests.support.api import ADMIN, SERVICE, ok, view
from tests.support.functions import STREAMS, call, concurrently, run, scheduled


def test_a_clock_crash_after_its_commit_still_announces_the_expiry(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch, clock_at: Callable[[datetime], None],
        published: list[Any]) -> None:
    enrolled = datetime(2026, 11, 25, 10, tzinfo=UTC)
    clock_at(enrolled)
    enroll("m-1")  # a 100-point welcome bonus, expiring 365 days later
    expires_on = datetime.combine(enrolled.date() + timedelta(days=365), time(0), tzinfo=UTC)
    original = repository.commit

    def commit_then_die(posting: Any) -> None:
        original(posting)
        raise TimeoutError("the function timed out after DynamoDB committed")

    monkeypatch.setattr(repository, "commit", commit_then_die)
    published.clear()
    with pytest.raises(TimeoutError):
        scheduled("ExpireFunction", expires_on)
    monkeypatch.setattr(repository, "commit", original)
    assert [(kind, e["member_id"], e["points"]) for kind, e in published] == [("PointsExpired", "m-1", 100)]
    rerun = scheduled("ExpireFunction", expires_on)  # the day is done: nothing changes, nothing is announced again
    assert rerun["expired_points"] == 0 and len(published) == 1
    sound()


def test_a_bus_failure_is_reported_per_record_and_retried_from_the_stream(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch, published: list[Any]) -> None:
    enroll("m-1")
    refusals = [1]
    accepting = bus.send  # the capturing send of the `published` fixture

    def flaky(events: list[tuple[str, dict[str, Any]]]) -> None:
        if refusals:
            refusals.pop()
            raise bus.EventsNotPublished("1 of 1 events not published")
        accepting(events)

    monkeypatch.setattr(bus, "send", flaky)
    published.clear()
    body = {"transaction_id": "t-1", "kind": "activity", "activity": "review"}
    assert call("POST", "/v1/members/m-1/accruals", body, **SERVICE).status == 201
    assert refusals == [] and [(k, e["transaction_id"]) for k, e in published] == [("PointsAccrued", "t-1")]


def test_the_announcer_reports_exactly_the_records_it_could_not_publish(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(call("POST", "/v1/members", {"member_id": "m-2"}, **SERVICE))
    monkeypatch.setattr(STREAMS, "sources", [])  # hold the records back to hand them over by hand
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 5, "reason": "x"}, **ADMIN))
    ok(call("POST", "/v1/admin/members/m-2/adjustments", {"adjustment_id": "a", "points": 7, "reason": "x"}, **ADMIN))
    from local.streams import take_records

    records = take_records("MembersTable")
    assert [r["dynamodb"]["Keys"]["member_id"]["S"] for r in records] == ["m-1", "m-2"]

    def refuse_m2(events: list[tuple[str, dict[str, Any]]]) -> None:
        if events[0][1]["member_id"] == "m-2":
            raise bus.EventsNotPublished("refused")

    monkeypatch.setattr(bus, "send", refuse_m2)
    answer = run("AnnounceFunction", {"Records": records})
    assert answer == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}


def test_writes_that_lost_a_race_announce_nothing(moto_aws: None, quick_backoff: None, published: list[Any]) -> None:
    enroll("m-1")
    ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a", "points": 1_900, "reason": "x"}, **ADMIN))
    published.clear()
    requests = [("POST", "/v1/members/m-1/redemptions", {"redemption_id": f"r-{i}", "reward_id": "coffee"}, SERVICE)
                for i in range(10)]
    answers = concurrently(requests)
    STREAMS.settle()
    won = sorted(a.body["redemption"]["redemption_id"] for a in answers if a.status == 201)
    assert len(won) == 4
    assert sorted(e["redemption_id"] for kind, e in published if kind == "PointsRedeemed") == won
    assert view("m-1")["balance"]["available"] == 0
    sound()


def test_a_transfer_announces_once_for_both_members(moto_aws: None, published: list[Any]) -> None:
    enroll("m-1")
    enroll("m-2")
    published.clear()
    ok(call("POST", "/v1/members/m-1/transfers", {"transfer_id": "x", "to_member_id": "m-2", "points": 60},
            sub="m-1", scope=""))
    assert [(k, e["member_id"]) for k, e in published] == [("PointsTransferred", "m-1")]
    assert view("m-2")["balance"]["available"] == 160


def test_a_redelivered_record_publishes_the_same_event_ids(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch, published: list[Any]) -> None:
    enroll("m-1")
    monkeypatch.setattr(STREAMS, "sources", [])  # hold the records back to deliver them twice by hand
    for n in (1, 2):
        ok(call("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": f"a-{n}", "points": n, "reason": "x"},
                **ADMIN))
    from local.streams import take_records

    records = [r for r in take_records("MembersTable") if "outbox" in r["dynamodb"]["NewImage"]]
    versions = [r["dynamodb"]["NewImage"]["version"]["N"] for r in records]
    published.clear()
    run("AnnounceFunction", {"Records": records})
    run("AnnounceFunction", {"Records": records})  # the stream may deliver a batch again
    ids = [e["event_id"] for _, e in published]
    assert ids == [f"m-1/{v}/0" for v in versions] * 2
    assert len(set(ids)) == 2
