"""Walk every member of a live table and check the invariants (an operator command, never a request path)."""
from __future__ import annotations

from ..domain import audit
from ..platform.program_source import current_program
from ..storage import repository


def audit_member(member_id: str) -> list[str]:
    member = repository.get_member(member_id)
    if member is None:
        return [f"{member_id}: no member item"]
    entries = list(repository.entries_of(member_id))
    lots = list(repository.lots_of(member_id))
    return [f"{member_id}: {p}" for p in audit.check_member(member, entries, lots)]


def audit_all() -> tuple[int, list[str]]:
    """Returns (members checked, problems)."""
    program = current_program()
    problems: list[str] = []
    entries = []
    count = 0
    for member_id in repository.all_member_ids():
        count += 1
        problems += audit_member(member_id)
        entries += [e for e in repository.entries_of(member_id) if e.type in ("redemption", "cancellation")]
    used = {r.reward_id: repository.stock_used(r.reward_id) for r in program.rewards if r.stock is not None}
    problems += audit.check_stock(program, used, entries)
    return count, problems
