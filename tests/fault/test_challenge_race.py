"""A burst of purchases by one member that together reach a challenge's goal: every purchase applies, the bonus is
granted exactly once (one ledger entry, one event), and the audit is clean."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fault.support import enroll, sound, total
from tests.support.api import SERVICE, history
from tests.support.aws import program_document, put_program
from tests.support.functions import STREAMS, concurrently

PURCHASES, GOAL, BONUS = 24, 20, 1_000


def test_concurrent_purchases_reaching_a_goal_grant_the_bonus_once(
        moto_aws: None, quick_backoff: None, published: list[tuple[str, dict[str, Any]]]) -> None:
    now = datetime.now(UTC)
    put_program({**program_document(), "challenges": [{
        "challenge_id": "burst", "name": "Twenty purchases", "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), "goal": {"purchases": GOAL},
        "window": "challenge", "bonus_points": BONUS}]})
    enroll("m-1")
    requests = [("POST", "/v1/members/m-1/accruals",
                 {"transaction_id": f"t-{i}", "kind": "purchase", "amount_minor": 100, "currency": "USD"}, SERVICE)
                for i in range(PURCHASES)]
    answers = concurrently(requests)
    STREAMS.settle()
    assert [a.status for a in answers] == [201] * PURCHASES, [a.body for a in answers if a.status != 201]
    bonuses = [h for h in history("m-1") if h["entry_id"].startswith("challenge#burst#")]
    assert [(h["type"], h["points"], h["reference"]) for h in bonuses] == [("accrual", BONUS, "burst")]
    assert [e["challenge_id"] for kind, e in published if kind == "ChallengeCompleted"] == ["burst"]
    granted = [a for a in answers if a.body["member"]["challenges"][0]["completed_at"] is not None
               and a.body["member"]["challenges"][0]["progress"] == GOAL
               and a.body["member"]["balance"]["available"] == 100 + BONUS]
    assert granted, "one answer is the purchase that reached the goal"
    assert total("m-1") == 100 + PURCHASES + BONUS
    sound()
