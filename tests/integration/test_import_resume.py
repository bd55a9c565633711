"""An uploaded import of many members with 10 lots each, interrupted by the Lambda time limit and resumed, leaves every
member's balance, tier and lots as one uninterrupted run does in a fresh account; the audit's member checks are clean
after the cut and at the end.

`make test` runs the issue's 10 000 members (100 pages, cut after 3, then every 2 pages); LOYALTY_IMPORT_MEMBERS
changes it (at least 301) for a quicker look."""
from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
from moto.core.models import DEFAULT_ACCOUNT_ID as ACCOUNT
from moto.dynamodb.models import dynamodb_backends
from pynamodb.models import Model

from local.bus import event_of
from loyalty.domain import audit
from loyalty.domain.ledger import LedgerEntry, Lot
from loyalty.service import importer
from loyalty.storage.mapping import entry_from_item, lot_from_item, member_from_item
from loyalty.storage.models import LedgerItem, MemberItem
from tests.support.api import ADMIN, ok
from tests.support.fixtures import moto_account
from tests.support.functions import Context, call, run

NOW = datetime.now(UTC).replace(microsecond=0)
MEMBERS = max(int(os.environ.get("LOYALTY_IMPORT_MEMBERS", "10000")), 301)  # more than the 3 pages before the cut
LOTS = 10
Snapshot = dict[str, tuple[Any, ...]]
M = TypeVar("M", bound=Model)


def line(n: int) -> str:
    """Member n: 10 lots on distinct expiry dates; every 250th member has a lot expired already (refused)."""
    lots = [{"points": (n % 7 + k + 1) * 10, "earned_at": (NOW - timedelta(days=30 * k + n % 30 + 1)).isoformat(),
             "expires_at": (NOW + timedelta(days=30 * k + n % 30 + 1)).isoformat()} for k in range(LOTS)]
    if n % 250 == 249:
        lots[3]["expires_at"] = (NOW - timedelta(days=1)).isoformat()
    tier = ("Member", "Silver", "Gold")[n % 3]
    return json.dumps({"member_id": f"m-{n:05d}", "tier": tier, "lots": lots})


def expiry_dates(member_id: str) -> list[str]:
    return [lot["expires_at"][:10] for lot in json.loads(line(int(member_id[2:])))["lots"]]


def pages(allowed: int) -> Context:
    """A Lambda context whose time runs short after `allowed` pages (a check before each page)."""
    ticks = iter([600_000] * allowed)

    class Limited(Context):
        def get_remaining_time_in_millis(self) -> int:
            return next(ticks, 0)

    return Limited(logical_id="ImportFunction")


def continued(context: Context) -> dict[str, Any]:
    entry = {"Source": "loyalty", "DetailType": "ImportContinued", "Detail": json.dumps({"import_id": "big"}),
             "Time": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return run("ImportFunction", event_of(entry), context)  # type: ignore[no-any-return]


def stored(model: type[M]) -> Iterator[M]:
    """Every item of a model's table, read from the embedded moto's own store: the oracle skips Scan's pages,
    answers and parsing, which took most of the test's time at 10 000 members."""
    table = dynamodb_backends[ACCOUNT][os.environ["AWS_DEFAULT_REGION"]].get_table(model.Meta.table_name)
    for item in table.all_items():
        yield model.from_raw_data(item.to_json()["Attributes"])


def audited_snapshot() -> Snapshot:
    """Every member's tier, wallet and lots (points, dates, place in its buckets), as stored; and the
    audit's checks of every member (domain.audit.check_member, which `make audit` runs) on what was read."""
    lots: dict[str, list[Lot]] = defaultdict(list)
    entries: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry_item in stored(LedgerItem):
        entries[entry_item.member_id].append(entry_from_item(entry_item))
        if entry_item.lot is not None:
            lots[entry_item.member_id].append(lot_from_item(entry_item))
    found: Snapshot = {}
    for item in stored(MemberItem):
        m = member_from_item(item)
        assert audit.check_member(m, entries[m.member_id], lots[m.member_id]) == [], m.member_id
        held = sorted((x.lot_id, x.points, x.earned_at, x.expires_on, x.status, x.qualifying,
                       json.dumps(x.segments, sort_keys=True)) for x in lots[m.member_id])
        found[m.member_id] = (m.tier, m.review_on, m.lifetime, json.dumps(m.wallet.model_dump(), sort_keys=True),
                              item.expiry_due, sum(e.points for e in entries[m.member_id]), tuple(held))
    assert set(lots) <= set(found) and set(entries) <= set(found)  # nothing written for a refused member
    return found


def imported(interruptions: bool) -> tuple[Snapshot, dict[str, Any]]:
    with moto_account():
        body = "".join(line(n) + "\n" for n in range(MEMBERS)).encode()
        boto3.client("s3").put_object(Bucket="importsbucket", Key="imports/big.jsonl", Body=body)
        assert ok(call("POST", "/v1/admin/imports/big/start", **ADMIN), 202)["status"] == "running"
        if not interruptions:
            status = continued(pages(10**6))
        else:
            status = continued(pages(3))
            assert (status["status"], status["lines"]) == ("running", 3 * importer.PAGE_LINES)
            assert len(audited_snapshot()) == 3 * importer.PAGE_LINES - 1  # after the interruption (one refused)
            while status["status"] == "running":
                status = continued(pages(2))
        assert status["status"] == "done" and status["lines"] == MEMBERS
        return audited_snapshot(), status


def test_an_interrupted_and_resumed_import_equals_an_uninterrupted_one() -> None:
    resumed, resumed_status = imported(interruptions=True)
    straight, straight_status = imported(interruptions=False)
    refused = MEMBERS // 250
    assert resumed_status["counts"] == straight_status["counts"] == {
        "imported": MEMBERS - refused, "replayed": 0, "refused": refused}
    members = sorted(straight)
    assert len(members) == MEMBERS - refused
    assert all(json.loads(straight[m][-1][0][-1]).keys() == set(expiry_dates(m)) for m in members)  # a day a lot
    assert {m: resumed[m] for m in members} == {m: straight[m] for m in members}
