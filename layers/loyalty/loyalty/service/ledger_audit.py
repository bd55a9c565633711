"""Walk every member of a live table and check the invariants (an operator command, never a request path)."""
from __future__ import annotations

from ..domain import audit, bulk_credit
from ..domain.ledger import LedgerEntry, Lot
from ..domain.program import MAX_BUDGET_SLICES
from ..platform.program_source import current_program
from ..storage import bulk_store, repository, stock_counts


def audit_member(member_id: str) -> tuple[list[str], list[LedgerEntry], list[Lot]]:
    """The member's problems, its ledger entries and its lots (read once, reused for the stock and budget checks)."""
    entries, lots = repository.ledger_and_lots(member_id)
    member = repository.get_member(member_id)
    if member is None:
        return [f"{member_id}: no member item"], entries, []
    problems = audit.check_member(member, entries, lots)
    problems += audit.check_claims(member_id, {k: repository.claim_holder(k) for k in audit.receipt_claims(entries)})
    return [f"{member_id}: {p}" for p in problems], entries, lots


def audit_all() -> tuple[int, list[str]]:
    """Returns (members checked, problems)."""
    program = current_program()
    problems: list[str] = []
    stock_entries: list[LedgerEntry] = []
    promoted: list[Lot] = []
    bulk: dict[str, list[str]] = {}  # bulk credit id -> the members its ledger entries credit
    count = 0
    for member_id in repository.all_member_ids():
        count += 1
        found, entries, lots = audit_member(member_id)
        problems += found
        stock_entries += [e for e in entries if e.type in ("redemption", "cancellation")]
        promoted += [lot for lot in lots if lot.promotions]
        for credit_id in filter(None, (bulk_credit.credit_of(e.key) for e in entries)):
            bulk.setdefault(credit_id, []).append(member_id)
    used = {r.reward_id: stock_counts.stock_used(r.reward_id) for r in program.rewards if r.stock is not None}
    problems += audit.check_stock(program, used, stock_entries)
    drawn = {p.promotion_id: repository.budget_drawn(p.promotion_id, MAX_BUDGET_SLICES)
             for p in program.promotions if p.budget_points is not None}
    problems += audit.check_budgets(program, drawn, promoted)
    for credit_id, members in sorted(bulk.items()):
        problems += bulk_credit.check_job(credit_id, bulk_store.get_job(credit_id), members,
                                          bulk_store.outcomes(credit_id, members))
    return count, problems
