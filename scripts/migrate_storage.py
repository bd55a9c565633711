"""Move the tables' items to the Step 8 layout, in place; run once after deploying it, in a write pause.

    python -m scripts.migrate_storage --lots-table <the old Lots table>            # the tables the environment names
    python -m scripts.migrate_storage --endpoint http://127.0.0.1:5055 --lots-table LotsTable  # a local run's

What changes (each item by one conditional UpdateItem, so a second run, or a run after an interruption, changes
only what is left):
  - a member's `state` (JSON) becomes `packed` (storage.packing); its `outbox` and `figures` go, as they were
    published and counted from the stream when the member was last written;
  - a ledger entry's `response` becomes `answer`, and its `detail` is packed;
  - each lot of the old Lots table is stored on the ledger entry that credited it (a transfer's lot on the
    recipient's `transfer_in` entry), pending ones with their release-index keys. The Lots table (retained by
    CloudFormation) is only read: delete it once `make audit`-style checks pass.
It prints what it changed and what it could not place (a lot without its entry), and exits 1 if anything is left.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Item = dict[str, dict[str, Any]]
LEGACY_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # PynamoDB's UTCDateTimeAttribute, as the Lots table stored times


@dataclass
class Migrated:
    members: int = 0
    entries: int = 0
    lots: int = 0
    unplaced: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"members packed: {self.members}; ledger entries packed: {self.entries}; lots moved onto their "
                f"entries: {self.lots}; lots without an entry: {len(self.unplaced)}")


def scan(client: Any, table: str) -> Iterator[Item]:
    for page in client.get_paginator("scan").paginate(TableName=table):
        yield from page["Items"]


def migrate_members(client: Any, table: str) -> int:
    from loyalty.storage.packing import pack_state

    done = 0
    for item in scan(client, table):
        if "state" not in item:
            continue
        packed = pack_state(json.loads(item["state"]["S"]))
        done += _update(client, table, {"member_id": item["member_id"]}, "SET packed = :p REMOVE #s, outbox, figures",
                        {":p": {"B": packed}}, "attribute_exists(#s)", {"#s": "state"})
    return done


def migrate_entries(client: Any, table: str) -> int:
    from loyalty.storage.packing import DAY_MAPS_OF_DETAIL, pack_json, pack_state

    done = 0
    for item in scan(client, table):
        legacy_detail = "S" in item.get("detail", {})
        if "response" not in item and not legacy_detail:
            continue
        sets, values = [], {}
        if "response" in item:
            sets.append("answer = :a")
            values[":a"] = {"B": pack_json(json.loads(item["response"]["S"]))}
        if legacy_detail:
            sets.append("detail = :d")
            values[":d"] = {"B": pack_state(json.loads(item["detail"]["S"]), DAY_MAPS_OF_DETAIL)}
        key = {"member_id": item["member_id"], "entry_key": item["entry_key"]}
        done += _update(client, table, key, f"SET {', '.join(sets)} REMOVE #r", values,
                        "attribute_exists(entry_key)", {"#r": "response"})
    return done


def legacy_lot(item: Item) -> Any:
    """A lot of the old Lots table, as the domain holds it, keyed by the entry that credited it."""
    from loyalty.domain.ledger import Lot, PromotionGrant

    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    def number(name: str) -> int:
        return int(item[name]["N"]) if name in item else 0

    def moment(name: str) -> datetime | None:
        found = text(name)
        return datetime.strptime(found, LEGACY_TIME) if found else None

    lot_id = str(text("lot_id"))
    if text("source") == "transfer":  # the old key `transfer#<id>@<sender>`: the recipient's entry is transfer_in
        lot_id = "transfer_in#" + lot_id.split("#", 1)[1]
    earned = moment("earned_at")
    assert earned is not None
    return Lot(item["member_id"]["S"], lot_id, str(text("source")), number("points"), earned,
               str(text("expires_on")), text("status"), moment("available_at"),  # type: ignore[arg-type]
               json.loads(text("segments") or "{}"), bool(item.get("qualifying", {}).get("BOOL")),
               int(item["amount_minor"]["N"]) if "amount_minor" in item else None, text("currency"),
               number("refunded_minor"), number("reversed_points"), None,
               [PromotionGrant(**g) for g in json.loads(text("promotions") or "[]")])


def migrate_lots(lots_table: str, client: Any, found: Migrated) -> None:
    from pynamodb.exceptions import UpdateError

    from loyalty.storage.mapping import lot_update
    from loyalty.storage.models import LedgerItem

    for item in scan(client, lots_table):
        lot = legacy_lot(item)
        try:
            LedgerItem(lot.member_id, lot.lot_id).update(
                lot_update(lot), condition=LedgerItem.entry_key.exists() & LedgerItem.lot.does_not_exist())
            found.lots += 1
        except UpdateError as err:
            if err.cause_response_code != "ConditionalCheckFailedException":
                raise
            if not _has_lot(lot.member_id, lot.lot_id):
                found.unplaced.append(f"{lot.member_id}/{item['lot_id']['S']}")


def _has_lot(member_id: str, key: str) -> bool:
    from pynamodb.exceptions import DoesNotExist

    from loyalty.storage.models import LedgerItem

    try:
        return LedgerItem.get(member_id, key, consistent_read=True).lot is not None
    except DoesNotExist:
        return False


def _update(client: Any, table: str, key: Item, expression: str, values: Item, condition: str,
            names: dict[str, str]) -> int:
    """1 if the item was changed, 0 if it had been migrated meanwhile (a second run racing this one)."""
    try:
        client.update_item(TableName=table, Key=key, UpdateExpression=expression, ConditionExpression=condition,
                           ExpressionAttributeValues=values, ExpressionAttributeNames=names)
    except client.exceptions.ConditionalCheckFailedException:
        return 0
    return 1


def migrate(lots_table: str | None) -> Migrated:
    from loyalty.platform.clients import clients
    from loyalty.platform.settings import settings

    env, client = settings(), clients().dynamodb.client
    found = Migrated(members=migrate_members(client, env.members_table),
                     entries=migrate_entries(client, env.ledger_table))
    if lots_table:
        migrate_lots(lots_table, client, found)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="a local DynamoDB endpoint (the local run's moto server)")
    parser.add_argument("--lots-table", help="the old Lots table to move the lots from (default: none)")
    args = parser.parse_args()
    if args.endpoint:
        os.environ.update({"AWS_ENDPOINT_URL_DYNAMODB": args.endpoint,
                           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                           "MEMBERS_TABLE": "MembersTable", "LEDGER_TABLE": "LedgerTable",
                           "PROGRAM_TABLE": "ProgramTable", "ANALYTICS_TABLE": "AnalyticsTable",
                           "EVENT_BUS_NAME": "LoyaltyBus"})
    os.environ.setdefault("PROGRAM_CACHE_SECONDS", "30")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    found = migrate(args.lots_table)
    print(found.describe())
    for lot in found.unplaced:
        print(f"not placed: {lot}")
    return 1 if found.unplaced else 0


if __name__ == "__main__":
    sys.exit(main())
