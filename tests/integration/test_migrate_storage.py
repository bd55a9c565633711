"""scripts/migrate_storage.py on items in the layout before Step 8: members made through the real handlers are
written back as the old code stored them (the state as JSON, answers and details as JSON, each lot in a Lots table
of its own, a transfer's lot under its old key), migrated, and then read as the same members, entries and lots,
with the audit clean, the pending lot found by the points clock's index, and a second run changing nothing."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest

from loyalty.domain.ledger import Lot
from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from loyalty.storage.packing import DAY_MAPS_OF_DETAIL, unpack_json, unpack_state
from scripts.migrate_storage import migrate
from tests.support.api import SERVICE, ok
from tests.support.functions import call

LOTS = "LegacyLotsTable"
Item = dict[str, dict[str, Any]]
MEMBERS = ["m-1", "m-2"]


def legacy_time(text: str) -> str:
    """An ISO time as PynamoDB's UTCDateTimeAttribute stored it in the old Lots table."""
    return text.replace("Z", "+0000")


def legacy_lot(item: Item) -> Item:
    """The lot on an entry's item, as the old code's Lots table held it."""
    lot = unpack_json(item["lot"]["B"])
    key = item["entry_key"]["S"]
    if lot["source"] == "transfer":  # the old key: the sender's transfer key, @ the sender
        key = "transfer#" + key.split("#", 1)[1]
    found: Item = {"member_id": item["member_id"], "lot_id": {"S": key}, "source": {"S": lot["source"]},
                   "points": {"N": str(lot.get("points", 0))}, "earned_at": {"S": legacy_time(lot["earned_at"])},
                   "expires_on": {"S": lot["expires_on"]}, "status": {"S": lot["status"]},
                   "qualifying": {"BOOL": bool(lot.get("qualifying"))},
                   "refunded_minor": {"N": str(lot.get("refunded_minor", 0))},
                   "reversed_points": {"N": str(lot.get("reversed_points", 0))}, "version": {"N": "1"}}
    if lot.get("available_at"):
        found["available_at"] = {"S": legacy_time(lot["available_at"])}
    if lot.get("segments"):
        found["segments"] = {"S": json.dumps(lot["segments"])}
    for name in ("amount_minor",):
        if name in lot:
            found[name] = {"N": str(lot[name])}
    if "currency" in lot:
        found["currency"] = {"S": lot["currency"]}
    for name in ("release_shard", "release_due"):
        if name in item:
            found[name] = item[name]
    return found


def make_legacy(client: Any) -> None:
    """Rewrite every member and ledger item as the old code wrote it, the lots into a Lots table of their own."""
    client.create_table(TableName=LOTS, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("member_id", "lot_id")],
                        KeySchema=[{"AttributeName": "member_id", "KeyType": "HASH"},
                                   {"AttributeName": "lot_id", "KeyType": "RANGE"}])
    for item in client.scan(TableName="MembersTable")["Items"]:
        packed = item.pop("packed")["B"]
        client.put_item(TableName="MembersTable", Item={**item, "state": {"S": json.dumps(unpack_state(packed))}})
    for item in client.scan(TableName="LedgerTable")["Items"]:
        if "answer" in item:
            item["response"] = {"S": json.dumps(unpack_json(item.pop("answer")["B"]))}
        if "detail" in item:
            item["detail"] = {"S": json.dumps(unpack_state(item["detail"]["B"], DAY_MAPS_OF_DETAIL))}
        if "lot" in item:
            client.put_item(TableName=LOTS, Item=legacy_lot(item))
            for name in ("lot", "lot_version", "release_shard", "release_due"):
                item.pop(name, None)
        client.put_item(TableName="LedgerTable", Item=item)


def lots_as_read(member_id: str) -> list[tuple[Any, ...]]:
    def shape(lot: Lot) -> tuple[Any, ...]:
        return (lot.lot_id, lot.source, lot.points, lot.earned_at, lot.expires_on, lot.status, lot.available_at,
                lot.segments, lot.qualifying, lot.amount_minor, lot.currency, lot.refunded_minor, lot.reversed_points)

    return sorted(shape(lot) for lot in repository.ledger_and_lots(member_id)[1])


def everything() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for member_id in MEMBERS:
        member = repository.get_member(member_id)
        assert member is not None
        found[member_id] = (member.model_dump(exclude={"version"}), sorted(
            (e.key, e.points, e.response, e.detail) for e in repository.entries_of(member_id)),
            lots_as_read(member_id))
    return found


@pytest.fixture
def members(moto_aws: None) -> None:
    """Two members with a welcome lot, a pending purchase (a release-index entry), an activity, a redemption
    (draws by expiry date in its detail) and a transfer between them (the lot keyed by the recipient's entry)."""
    for member_id in MEMBERS:
        ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "p-1", "kind": "purchase", "amount_minor": 9_000,
                                                 "currency": "USD"}, **SERVICE))
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "c-1", "kind": "activity",
                                                 "activity": "checkin"}, **SERVICE))
    ok(call("POST", "/v1/members/m-1/transfers", {"transfer_id": "x-1", "to_member_id": "m-2", "points": 30},
            sub="m-1", scope=""))
    ok(call("POST", "/v1/members/m-2/redemptions", {"redemption_id": "r-1", "reward_id": "charity-100"},
            sub="m-2", scope=""))


@pytest.mark.usefixtures("members")
def test_the_old_layout_migrates_to_the_same_members_entries_and_lots_and_a_rerun_changes_nothing() -> None:
    client = boto3.client("dynamodb")
    before = everything()
    pending = [(lot.member_id, lot.lot_id) for lot in repository.due_lots(date(2100, 1, 1))]
    assert pending == [("m-1", "accrual#p-1")]
    make_legacy(client)
    assert "state" in client.get_item(TableName="MembersTable", Key={"member_id": {"S": "m-1"}})["Item"]
    assert client.scan(TableName=LOTS)["Count"] == 5  # two welcome lots, the purchase, the check-in, the transfer

    first = migrate(LOTS)

    assert (first.members, first.lots, first.unplaced) == (2, 5, [])
    assert first.entries == client.scan(TableName="LedgerTable")["Count"]  # every entry had a JSON detail or answer
    assert everything() == before
    assert [(lot.member_id, lot.lot_id) for lot in repository.due_lots(date(2100, 1, 1))] == pending
    member = client.get_item(TableName="MembersTable", Key={"member_id": {"S": "m-1"}})["Item"]
    assert "state" not in member and "outbox" not in member and "figures" not in member  # nothing published again
    assert audit_all()[1] == []
    again = migrate(LOTS)
    assert (again.members, again.entries, again.lots, again.unplaced) == (0, 0, 0, [])
    assert everything() == before


@pytest.mark.usefixtures("members")
def test_a_lot_whose_entry_is_missing_is_reported_not_dropped() -> None:
    client = boto3.client("dynamodb")
    make_legacy(client)
    client.delete_item(TableName="LedgerTable", Key={"member_id": {"S": "m-1"}, "entry_key": {"S": "accrual#c-1"}})
    found = migrate(LOTS)
    assert found.unplaced == ["m-1/accrual#c-1"]
    assert found.lots == 4
