"""The request path: everyday operations on small members, what their writes cost later (the stream's
AnnounceFunction and AnalyticsFunction batches), and the heavy members (1 000 lots, a year of check-ins)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.streams import take_records
from loyalty.domain import spending
from loyalty.service import admin, redemptions
from loyalty.storage.analytics_store import AppliedItem
from scripts.bench.measuring import Bench, Figures, Operation
from scripts.bench.project import Event, progress
from scripts.bench.seeding import fresh_account, member_size, seed_many_lots, seed_year_of_checkins, stored_size
from tests.support.functions import http_event

A, B, LOTS_MEMBER, YEAR_MEMBER = "bench-a", "bench-b", "bench-lots", "bench-year"
STREAM_BATCH = 100  # BatchSize of AnnounceFunction's stream event source
ANALYTICS_BATCH = 1000  # AnalyticsFunction's


def as_member(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body, sub=A, scope="")


def as_service(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body)


def as_admin(method: str, path: str, body: Any = None) -> Event:
    return http_event(method, path, body, scope="loyalty/admin")


def purchase(tx: str) -> dict[str, Any]:
    return {"transaction_id": tx, "kind": "purchase", "amount_minor": 12_345, "currency": "USD"}


def points_accrued(member_id: str) -> Event:
    return "TierEvaluateFunction", {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "PointsAccrued", "source": "loyalty",
        "account": "123456789012", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": [], "detail": {"member_id": member_id, "transaction_id": "t-tier", "points": 0,  # as published
                                    "status": "available", "kind": "purchase"}}


def everyday_operations() -> list[Operation]:
    """On small members; the i-th enrolled member does the i-th check-in, A's purchases are later reversed."""
    checkin = {"kind": "activity", "activity": "checkin"}
    return [
        Operation("enroll", lambda i: as_service("POST", "/v1/members", {"member_id": f"new-{i}"}), key="enroll"),
        Operation("accrue purchase", lambda i: as_service("POST", f"/v1/members/{A}/accruals", purchase(f"p-{i}")),
                  key="accrue"),
        Operation("accrue activity", lambda i: as_service("POST", f"/v1/members/new-{i}/accruals",
                                                          {"transaction_id": f"c-{i}", **checkin})),
        Operation("tier evaluate (on PointsAccrued)", lambda i: points_accrued(A), http=False, key="tier_evaluate"),
        Operation("member view", lambda i: as_member("GET", f"/v1/members/{A}"), key="read"),
        Operation("history page (50)", lambda i: as_member("GET", f"/v1/members/{A}/transactions")),
        Operation("redeem", lambda i: as_member("POST", f"/v1/members/{A}/redemptions",
                                                {"redemption_id": f"r-{i}", "reward_id": "coffee"}), key="redeem"),
        Operation("cancel redemption", lambda i: as_member("POST", f"/v1/members/{A}/redemptions/r-{i}/cancellation")),
        Operation("transfer", lambda i: as_member("POST", f"/v1/members/{A}/transfers",
                                                  {"transfer_id": f"x-{i}", "to_member_id": B, "points": 10})),
        Operation("reversal", lambda i: as_service("POST", f"/v1/members/{A}/accruals/p-{i}/reversals",
                                                   {"reversal_id": f"rv-{i}"})),
        Operation("admin adjustment", lambda i: as_admin("POST", f"/v1/admin/members/{A}/adjustments",
                                                         {"adjustment_id": f"adj-{i}", "points": 100, "reason": "bench"})),
    ]


def announce_operation(written: list[dict[str, Any]]) -> Operation:
    """AnnounceFunction on a stream batch (up to its BatchSize) of the writes above: what each write costs later.
    The same batch is replayed, which changes nothing."""
    records = [r for r in written if "outbox" in r["dynamodb"].get("NewImage", {})]
    batch = records[:STREAM_BATCH]
    if not batch:
        raise RuntimeError("no member write to announce")
    return Operation(f"announce, per write (batch of {len(batch)})",
                     lambda i: ("AnnounceFunction", {"Records": batch}), http=False, items=len(batch))


def forget_counted_versions(i: int) -> None:
    """Untimed: drop the analytics' marks, so that the same batch is counted again (not found counted)."""
    for mark in AppliedItem.scan(AppliedItem.pk.startswith("applied#")):
        mark.delete()


def analytics_operation(written: list[dict[str, Any]]) -> Operation:
    """AnalyticsFunction on a stream batch (up to its BatchSize) of the writes above: what counting a write's
    figures costs, off the request path."""
    batch = [r for r in written if "figures" in r["dynamodb"].get("NewImage", {})][:ANALYTICS_BATCH]
    if not batch:
        raise RuntimeError("no member write to count")
    return Operation(f"analytics, per write (batch of {len(batch)})", lambda i: ("AnalyticsFunction", {"Records": batch}),
                     http=False, before=forget_counted_versions, items=len(batch), runs=5)


def cancel_previous_big_redemption(i: int) -> None:
    """Give the 1 000 lots back (untimed) so that each redemption draws on all of them again."""
    if i > 0:
        redemptions.cancel(LOTS_MEMBER, f"big-{i - 1}", datetime.now(UTC))


REDEEM_1000_LOTS = Operation(
    "redeem drawing on 1000 lots",
    lambda i: http_event("POST", f"/v1/members/{LOTS_MEMBER}/redemptions",
                        {"redemption_id": f"big-{i}", "reward_id": "coffee", "quantity": 10}),
    before=cancel_previous_big_redemption, key="redeem_1000_lots")
ACCRUE_AFTER_A_YEAR = Operation(
    "accrue purchase, 1y check-ins", lambda i: as_service("POST", f"/v1/members/{YEAR_MEMBER}/accruals", purchase(f"y-{i}")),
    key="accrue_heavy_member")


@dataclass
class Sizes:
    member_after_lots: int = 0
    member_after_year: int = 0
    big_redemption_entry: int = 0


def request_phase(bench: Bench, sizes: Sizes) -> list[Figures]:
    """Each scenario in its own account: moto copies every table a transaction touches, so small tables keep
    the bench fast (DynamoDB's charges do not depend on table size)."""
    now = datetime.now(UTC)
    with fresh_account():
        for member_id in (A, B):
            bench.invoke(as_service("POST", "/v1/members", {"member_id": member_id}))
        for n in range(50):  # points to spend, and a full first history page
            admin.adjust(A, spending.AdjustmentCommand(f"float-{n}", "credit", 20_000, "bench float"), now)
        figures = [bench.measure(op) for op in everyday_operations()]
        written = take_records("MembersTable")
        figures.append(bench.measure(announce_operation(written)))
        figures.append(bench.measure(analytics_operation(written)))
    with fresh_account():
        progress("seeding a member with 1 000 lots")
        seed_many_lots(LOTS_MEMBER, 1000, now)
        sizes.member_after_lots = member_size(LOTS_MEMBER)
        figures.append(bench.measure(REDEEM_1000_LOTS))
        sizes.big_redemption_entry = stored_size("LedgerTable", {"member_id": {"S": LOTS_MEMBER},
                                                                 "entry_key": {"S": "redemption#big-1"}})
    with fresh_account():
        progress("seeding a member with a year of daily check-ins")
        seed_year_of_checkins(YEAR_MEMBER, now)
        sizes.member_after_year = member_size(YEAR_MEMBER)
        figures.append(bench.measure(ACCRUE_AFTER_A_YEAR))
    return figures
