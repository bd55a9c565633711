"""An uploaded import of many members with 10 lots each, interrupted by the Lambda time limit and resumed, leaves every
member's balance, tier and lots as one uninterrupted run does in a fresh account; the audit is clean after each.

The size is LOYALTY_IMPORT_MEMBERS: `make test` runs 600 (6 pages, interrupted after 3, then every 2); the README gives
the seconds of the 10 000 the issue asks for, which this machine cannot run within make test's budget."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from local.bus import event_of
from loyalty.service import importer
from loyalty.service.ledger_audit import audit_all
from loyalty.storage.mapping import lot_from_item, member_from_item
from loyalty.storage.models import LotItem, MemberItem
from tests.support.api import ADMIN, ok
from tests.support.fixtures import moto_account
from tests.support.functions import Context, call, run

NOW = datetime.now(UTC).replace(microsecond=0)
MEMBERS = max(int(os.environ.get("LOYALTY_IMPORT_MEMBERS", "600")), 301)  # more than the 3 pages before the cut
LOTS = 10
Snapshot = dict[str, tuple[Any, ...]]


def line(n: int) -> str:
    """Member n: 10 lots on distinct expiry dates; every 250th member has a lot expired already (refused)."""
    lots = [{"points": (n % 7 + k + 1) * 10, "earned_at": (NOW - timedelta(days=30 * k + n % 30 + 1)).isoformat(),
             "expires_at": (NOW + timedelta(days=30 * k + n % 30 + 1)).isoformat()} for k in range(LOTS)]
    if n % 250 == 249:
        lots[3]["expires_at"] = (NOW - timedelta(days=1)).isoformat()
    tier = ("Member", "Silver", "Gold")[n % 3]
    return json.dumps({"member_id": f"m-{n:05d}", "tier": tier, "lots": lots})


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


def snapshot() -> Snapshot:
    """Every member's tier and balance, and its lots (points, dates, place in its buckets), read by scans."""
    lots: dict[str, list[tuple[Any, ...]]] = {}
    for item in LotItem.scan():
        lot = lot_from_item(item)
        lots.setdefault(lot.member_id, []).append((lot.lot_id, lot.points, lot.earned_at, lot.expires_on, lot.status,
                                                   lot.qualifying, json.dumps(lot.segments, sort_keys=True)))
    found: Snapshot = {}
    for item in MemberItem.scan():
        m = member_from_item(item)
        found[m.member_id] = (m.tier, m.wallet.available, m.wallet.pending, m.lifetime,
                              json.dumps(m.wallet.model_dump(), sort_keys=True), item.expiry_due,
                              tuple(sorted(lots.get(m.member_id, []))))
    return found


def clean_audit() -> None:
    checked, problems = audit_all()
    assert checked > 0 and problems == [], problems[:5]


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
            clean_audit()  # after the interruption
            while status["status"] == "running":
                status = continued(pages(2))
        assert status["status"] == "done" and status["lines"] == MEMBERS
        clean_audit()
        return snapshot(), status


def test_an_interrupted_and_resumed_import_equals_an_uninterrupted_one() -> None:
    resumed, resumed_status = imported(interruptions=True)
    straight, straight_status = imported(interruptions=False)
    refused = MEMBERS // 250
    assert resumed_status["counts"] == straight_status["counts"] == {
        "imported": MEMBERS - refused, "replayed": 0, "refused": refused}
    members = sorted(straight)
    assert len(members) == MEMBERS - refused
    assert all(len(straight[m][-1]) == LOTS for m in members)
    assert {m: resumed[m] for m in members} == {m: straight[m] for m in members}
