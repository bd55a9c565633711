"""The points clock reads only what is due: 10 000 members, 100 of them with points due, counted item by item.
And an interrupted run, resumed, reaches the same end state as an uninterrupted one."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.client import BaseClient

from loyalty.domain.member import MemberState
from loyalty.domain.wallet import Bucket, Wallet
from loyalty.service import jobs, members
from loyalty.storage.mapping import member_to_item
from loyalty.storage.models import MemberItem

NOW = datetime(2027, 6, 1, 0, 5, tzinfo=UTC)
DUE = (NOW.date() - timedelta(days=1)).isoformat()
LATER = (NOW.date() + timedelta(days=200)).isoformat()
READS = {"GetItem": "Item", "Query": "Items", "Scan": "Items", "BatchGetItem": "Responses"}


def member(member_id: str, expiry: str, points: int) -> MemberItem:
    state = MemberState(member_id=member_id, tier="Member", referral_code=member_id[-8:].upper(),
                        enrolled_at=NOW - timedelta(days=400),
                        wallet=Wallet(buckets={expiry: Bucket(credited=points)}))
    return member_to_item(state)


def seed(total: int, due: int) -> list[str]:
    """Members written directly (the read path under test does not care how they got there)."""
    due_ids = []
    with MemberItem.batch_write() as batch:
        for n in range(total):
            is_due = n % (total // due) == 0
            member_id = f"m-{n:05d}"
            batch.save(member(member_id, DUE if is_due else LATER, 40))
            if is_due:
                due_ids.append(member_id)
    return due_ids


@contextmanager
def counting_reads() -> Iterator[dict[str, int]]:
    """Items DynamoDB returns to reads, whatever client (PynamoDB or boto3) asks."""
    counts = {"requests": 0, "items": 0}
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        result = original(self, operation, params)
        if operation in READS and self.meta.service_model.service_name == "dynamodb":
            counts["requests"] += 1
            found = result.get(READS[operation])
            counts["items"] += (1 if found else 0) if operation == "GetItem" else (
                sum(len(v) for v in found.values()) if isinstance(found, dict) else len(found or []))
        return result

    BaseClient._make_api_call = counted
    try:
        yield counts
    finally:
        BaseClient._make_api_call = original


def test_the_clock_reads_at_most_2_1_items_per_due_member(moto_aws: None) -> None:
    """Its key from the keys-only due-date index, then the member itself, read consistently: 2 items per due
    member, however many members the table holds (Step 8: the index no longer copies every member write)."""
    due = seed(10_000, 100)
    assert len(due) == 100
    with counting_reads() as reads:
        report = jobs.run_points_clock(NOW, lambda: 10**9)
    assert report.expired_points == 100 * 40 and report.members == 100
    assert reads["items"] <= 2.1 * len(due), reads
    assert members.view(due[0], NOW).balance.available == 0
    assert members.view("m-00001", NOW).balance.available == 40


def test_an_interrupted_run_resumes_to_the_same_end_state(moto_aws: None) -> None:
    due = seed(300, 30)
    budget = iter([10**9] * 12 + [0] * 1000)  # the "Lambda" runs out of time after a few members
    first = jobs.run_points_clock(NOW, lambda: next(budget))
    assert not first.complete and 0 < first.members < len(due)
    second = jobs.run_points_clock(NOW, lambda: 10**9)
    assert second.complete and first.members + second.members == len(due)
    assert first.expired_points + second.expired_points == 30 * 40
    again = jobs.run_points_clock(NOW, lambda: 10**9)
    assert (again.members, again.expired_points) == (0, 0)  # a re-run for the same day changes nothing
    assert all(members.view(m, NOW).balance.available == 0 for m in due)
    table = boto3.client("dynamodb").scan(TableName="LedgerTable", Select="COUNT")["Count"]
    assert table == 30  # one expiry entry per member, never two
