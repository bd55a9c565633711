"""Seeded state: a fresh moto account per scenario, and items written in bulk outside any measurement, as what the
domain computed in memory (on a fake clock) would have committed."""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3

from loyalty.domain import accrual, enrollment, spending
from loyalty.domain.ledger import LedgerEntry, Lot, Posting
from loyalty.domain.member import MemberState
from loyalty.platform.program_source import current_program
from loyalty.storage import mapping
from loyalty.storage.models import LedgerItem, MemberItem
from scripts.bench.capacity import item_size
from tests.support.fixtures import moto_account


@contextlib.contextmanager
def fresh_account() -> Iterator[None]:
    """A new moto account provisioned from template.yaml, with the layer's clients made for it."""
    with moto_account():
        yield


def write_items(members: list[MemberState], lots: list[Lot], entries: list[LedgerEntry]) -> None:
    """Seed state in bulk (BatchWriteItem), outside any measurement; each lot on the entry that credited it."""
    with MemberItem.batch_write() as batch:
        for member in members:
            batch.save(mapping.member_to_item(member))
    by_key = {(lot.member_id, lot.lot_id): lot for lot in lots}
    # a lot seeded alone gets the accrual entry that would have credited it
    have = {(e.member_id, e.key) for e in entries}
    entries = [*entries, *(LedgerEntry(lot.member_id, lot.lot_id, "accrual", lot.points, lot.earned_at, lot.lot_id)
                           for lot in lots if (lot.member_id, lot.lot_id) not in have)]
    with LedgerItem.batch_write() as entry_batch:
        for entry in entries:
            entry_batch.save(mapping.entry_to_item(entry, by_key.get((entry.member_id, entry.key))))


def store(member: MemberState, postings: list[Posting]) -> None:
    """Store what postings computed in memory by the domain (on a fake clock) would have committed."""
    write_items([member], [lot for p in postings for lot in p.new_lots], [e for p in postings for e in p.entries])


def enrolled(member_id: str, at: datetime) -> tuple[MemberState, Posting]:
    posting = enrollment.enroll(current_program(), member_id, f"R{uuid.uuid4().hex[:7].upper()}", None, at)
    return posting.members[0], posting


def seed_many_lots(member_id: str, lots: int, now: datetime) -> None:
    """A member holding `lots` 5-point adjustment lots, one every 7 hours back in time (~290 expiry dates), all
    expiring before its welcome bonus, so a redemption of 5 points per lot draws on every one of them."""
    member, first = enrolled(member_id, now)
    postings = [first]
    for n in range(lots):
        at = now - timedelta(days=1, hours=7 * (lots - n))
        seed = spending.AdjustmentCommand(f"seed-{n}", "credit", 5, "bench seed")
        postings.append(spending.adjust(current_program(), member, seed, at))
    store(member, postings)


def seed_year_of_checkins(member_id: str, now: datetime) -> None:
    """A member who checked in every day of the past year (one lot and one expiry date a day)."""
    start = now - timedelta(days=365)
    member, first = enrolled(member_id, start)
    postings = [first]
    for day in range(365):
        at = start + timedelta(days=day, hours=1)
        cmd = accrual.AccrualCommand(f"checkin-{day}", "activity", at, activity="checkin")
        postings.append(accrual.accrue(current_program(), member, cmd, at))
    store(member, postings)


def stored_size(table: str, key: dict[str, Any]) -> int:
    return item_size(boto3.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"))


def member_size(member_id: str) -> int:
    return stored_size("MembersTable", {"member_id": {"S": member_id}})
