"""The ledger invariants as executable checks. Tests, property tests and operators run the same code."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .accrual import receipt_claim_key
from .ledger import LedgerEntry, Lot
from .member import MemberState
from .program import Program, Promotion
from .wallet import lot_remaining

SPENDS = ("redemption", "transfer_out", "adjustment", "reversal")


def _lots_remaining(member: MemberState, lots: list[Lot]) -> int:
    total = 0
    for lot in lots:
        if lot.status == "pending":
            total += lot.pending_points
            continue
        for day, (points, start) in lot.segments.items():
            total += lot_remaining(points, start, member.wallet.buckets.get(day))
    return total


def _tiling(member: MemberState, lots: list[Lot]) -> list[str]:
    """Each bucket's lots must cover [0, credited) exactly: that is what makes remaining derivable."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for lot in lots:
        for day, (points, start) in lot.segments.items():
            spans[day].append((start, points))
    problems = []
    for day, bucket in member.wallet.buckets.items():
        position = 0
        for start, points in sorted(spans.get(day, [])):
            if start != position:
                problems.append(f"bucket {day}: lots leave a gap or overlap at {position}")
                break
            position += points
        else:
            if position != bucket.credited:
                problems.append(f"bucket {day}: lots cover {position} of {bucket.credited} credited")
        if not 0 <= bucket.consumed <= bucket.credited:
            problems.append(f"bucket {day}: consumed {bucket.consumed} outside 0..{bucket.credited}")
    return problems


def check_member(member: MemberState, entries: list[LedgerEntry], lots: list[Lot]) -> list[str]:
    """Invariants 1, 2, 3 and 5 for one member; an empty list means the member is sound."""
    return [*_balances(member, entries, lots), *_tiling(member, lots), *_debt_and_overdraft(member, entries),
            *_spent_only_live_points(entries), *_reversals_match_lots(entries, lots)]


def _balances(member: MemberState, entries: list[LedgerEntry], lots: list[Lot]) -> list[str]:
    wallet = member.wallet
    problems = []
    ledger_sum = sum(e.points for e in entries)
    balance = wallet.available + wallet.pending
    if ledger_sum != balance:
        problems.append(f"ledger sums to {ledger_sum}, balance is {balance}")
    held = _lots_remaining(member, lots)
    if held != balance + wallet.debt:
        problems.append(f"lots hold {held}, balance + debt is {balance + wallet.debt}")
    if wallet.pending != sum(lot.pending_points for lot in lots):
        problems.append(f"pending {wallet.pending} differs from pending lots")
    return problems


def _debt_and_overdraft(member: MemberState, entries: list[LedgerEntry]) -> list[str]:
    wallet = member.wallet
    problems = []
    # points dated on or before the last posting had expired by then (even if the clock had not swept them yet):
    # a reversal cannot take them, so only later-dated points must have repaid a debt
    last_day = max((e.created_at.date().isoformat() for e in entries), default="")
    if wallet.debt < 0 or (wallet.debt > 0 and any(b.remaining for d, b in wallet.buckets.items() if d > last_day)):
        problems.append(f"debt {wallet.debt} while points remain: later credits must repay it first")
    if wallet.available < 0 and not any(e.type == "reversal" for e in entries):
        problems.append(f"available {wallet.available} below zero without a reversal")
    return problems


def _spent_only_live_points(entries: list[LedgerEntry]) -> list[str]:
    return [f"{entry.key} spent points that expired on {day}"
            for entry in entries if entry.type in SPENDS
            for day in (entry.detail or {}).get("draws", {}) if day <= entry.created_at.date().isoformat()]


def _reversals_match_lots(entries: list[LedgerEntry], lots: list[Lot]) -> list[str]:
    reversed_by_tx: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.type == "reversal":
            reversed_by_tx[entry.reference] -= entry.points
    problems = []
    for lot in lots:
        if lot.lot_id.startswith("accrual#"):
            tx = lot.lot_id.split("#", 1)[1]
            if reversed_by_tx.get(tx, 0) != lot.reversed_points:
                problems.append(f"{lot.lot_id}: reversals sum to {reversed_by_tx.get(tx, 0)}, lot says {lot.reversed_points}")
    return problems


def check_stock(program: Program, used: dict[str, int], entries: Iterable[LedgerEntry]) -> list[str]:
    """Invariant 4: stock counters within limits and equal to what redemptions net of cancellations took."""
    handed: dict[str, int] = defaultdict(int)
    for entry in entries:
        detail = entry.detail or {}
        if entry.type == "redemption":
            handed[str(detail.get("reward_id"))] += int(detail.get("quantity", 1))
        elif entry.type == "cancellation":
            reward = program.reward(str(detail.get("reward_id")))
            if reward is not None and reward.stock is not None:
                handed[reward.reward_id] -= _quantity_of(entry)
    problems = []
    for reward in program.rewards:
        if reward.stock is None:
            continue
        count = used.get(reward.reward_id, 0)
        if not 0 <= count <= reward.stock:
            problems.append(f"stock of {reward.reward_id}: {count} handed out of {reward.stock}")
        if count != handed.get(reward.reward_id, 0):
            problems.append(f"stock of {reward.reward_id}: counter {count}, ledger {handed.get(reward.reward_id, 0)}")
    return problems


def check_budgets(program: Program, drawn: dict[str, list[int]], lots: Iterable[Lot]) -> list[str]:
    """Promotion budgets never exceeded: each slice's counter within its share and their sum within the budget;
    each counter equal to what the lots that drew on it still hold (given, less what reversals gave back)."""
    problems: list[str] = []
    held: dict[tuple[str, int], int] = defaultdict(int)
    for lot in lots:
        for grant in lot.promotions:
            if not 0 <= grant.reversed_points <= grant.points:
                problems.append(f"{lot.lot_id}: {grant.promotion_id} reversed {grant.reversed_points} of {grant.points}")
            if grant.slice is not None:
                held[(grant.promotion_id, grant.slice)] += grant.points - grant.reversed_points
    for promotion in program.promotions:
        if promotion.budget_points is not None:
            problems += _budget_slices(promotion, drawn.get(promotion.promotion_id, []), held)
    return problems


def _budget_slices(promotion: Promotion, counters: list[int], held: dict[tuple[str, int], int]) -> list[str]:
    pid, shares, budget = promotion.promotion_id, promotion.budget_shares(), promotion.budget_points or 0
    problems = [f"budget of {pid}: {sum(counters)} drawn of {budget}"] if sum(counters) > budget else []
    for k, value in enumerate(counters):
        if k < len(shares) and not 0 <= value <= shares[k]:
            problems.append(f"budget of {pid}: slice {k} drew {value} of its {shares[k]}")
        if value != held.get((pid, k), 0):
            problems.append(f"budget of {pid}: slice {k} counts {value}, its lots hold {held.get((pid, k), 0)}")
    return problems


def _quantity_of(cancellation: LedgerEntry) -> int:
    return int((cancellation.detail or {}).get("quantity", 1))


def receipt_claims(entries: Iterable[LedgerEntry]) -> list[str]:
    """The claim keys a member's receipt accruals must hold."""
    return [receipt_claim_key(str(e.detail["store_id"]), e.reference) for e in entries
            if e.type == "accrual" and (e.detail or {}).get("kind") == "receipt"]


def check_claims(member_id: str, holders: dict[str, str | None]) -> list[str]:
    """Every receipt a member earned on is claimed by that member (so no other member could earn on it)."""
    return [f"{key} is held by {holder or 'nobody'}" for key, holder in holders.items() if holder != member_id]
