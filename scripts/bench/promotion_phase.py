"""What promotions and challenges add to an accrual: a multiplier, a budgeted bonus, a spent budget, challenges
counted and completed, each in one account whose program document holds them."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.service import budgets
from loyalty.storage.models import CounterItem
from scripts.bench.measuring import Bench, Figures, Operation
from scripts.bench.project import Event
from scripts.bench.request_phase import as_service, purchase
from scripts.bench.seeding import fresh_account
from tests.support.aws import program_document, put_program
from tests.support.functions import run

PROMOTED = "bench-promoted"
BUDGETED = "bench-budgeted"


def bench_promotions() -> list[dict[str, Any]]:
    """A combinable multiplier with no budget, a bonus with a budget (eight slices), and one whose budget is spent."""
    window = {"starts_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "ends_at": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return [
        {"promotion_id": "double", "name": "x2 on one sku", **window, "skus": ["PROMO-1"], "multiplier": "2"},
        {"promotion_id": "budgeted", "name": "a budgeted bonus", **window, "skus": ["PROMO-2"], "bonus_points": 10,
         "budget_points": 10**9},
        {"promotion_id": "spent", "name": "a budget that cannot cover it", **window, "skus": ["PROMO-3"],
         "bonus_points": 100, "budget_points": 80_000},
    ]


def bench_challenges() -> list[dict[str, Any]]:
    """One that every purchase counts towards and none completes, and one that a member's first purchase completes."""
    window = {"starts_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "ends_at": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return [
        {"challenge_id": "counted", "name": "ten thousand purchases", **window, "goal": {"purchases": 10_000},
         "window": "challenge", "bonus_points": 100},
        {"challenge_id": "first", "name": "a first purchase", **window, "goal": {"purchases": 1},
         "window": "challenge", "bonus_points": 50},
    ]


def enroll_challenger(i: int) -> None:
    """A new member per invocation (untimed): its purchase completes the `first` challenge."""
    run(*as_service("POST", "/v1/members", {"member_id": f"challenger-{i}"}))


def promoted_purchase(tx: str, sku: str) -> dict[str, Any]:
    return {**purchase(tx), "lines": [{"sku": sku, "amount_minor": 2_000}]}


def forget_short_slices(i: int) -> None:
    """Each container learns once that a spent budget's slices cannot cover a draw: measure that first time."""
    budgets.given_back()


def promoted_accrual(member: str, prefix: str, sku: str) -> Callable[[int], Event]:
    """The i-th purchase of `sku` by `member` (formatted with i), each with a transaction id of its own."""
    return lambda i: as_service("POST", f"/v1/members/{member.format(i=i)}/accruals",
                                promoted_purchase(f"{prefix}-{i}", sku))


def promotion_operations() -> list[Operation]:
    return [
        Operation("accrue purchase, no promotion", promoted_accrual(PROMOTED, "n", "OTHER")),
        Operation("accrue purchase, a promotion", promoted_accrual(PROMOTED, "d", "PROMO-1")),
        Operation("accrue purchase, a budgeted promotion", promoted_accrual(BUDGETED, "b", "PROMO-2")),
        Operation("accrue purchase, spent budget (1st in a container)", promoted_accrual(BUDGETED, "s", "PROMO-3"),
                  before=forget_short_slices),
        Operation("accrue purchase, spent budget (later)", promoted_accrual(BUDGETED, "l", "PROMO-3")),
        Operation("accrue purchase, 2 challenges counted", promoted_accrual(PROMOTED, "c", "OTHER")),
        Operation("accrue purchase completing a challenge", promoted_accrual("challenger-{i}", "f", "OTHER"),
                  before=enroll_challenger),
    ]


def spend_budget(promotion_id: str, slices: int, share: int) -> None:
    """Fill every slice's counter up to its share (as if the budget had been given out), outside any measurement."""
    with CounterItem.batch_write() as batch:
        for k in range(slices):
            batch.save(CounterItem(f"budget#{promotion_id}#{k}", value=share))


def promotion_phase(bench: Bench) -> list[Figures]:
    with fresh_account():
        put_program({**program_document(), "promotions": bench_promotions(), "challenges": bench_challenges()})
        for member_id in (PROMOTED, BUDGETED):
            bench.invoke(as_service("POST", "/v1/members", {"member_id": member_id}))
        spend_budget("spent", 8, 10_000)
        return [bench.measure(op) for op in promotion_operations()]
