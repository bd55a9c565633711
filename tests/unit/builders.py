"""Builders for domain tests: the default program as shipped, and a book that keeps what storage would hold."""
from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from loyalty.domain import enrollment
from loyalty.domain.ledger import LedgerEntry, Lot, Posting
from loyalty.domain.member import MemberState
from loyalty.domain.program import Program

DEFAULT = Path(__file__).resolve().parents[2] / "program" / "default.json"


def raw_program() -> dict[str, Any]:
    return json.loads(DEFAULT.read_text())  # type: ignore[no-any-return]


def make_program(**changes: Any) -> Program:
    doc = raw_program()
    doc.update(changes)
    return Program.model_validate(doc)


class Book:
    """Ledger entries and lots as they would be stored: one list of entries, lots by id (last write wins)."""

    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []
        self.lots: dict[str, Lot] = {}

    def apply(self, posting: Posting) -> Posting:
        self.entries += posting.entries
        for lot in [*posting.new_lots, *posting.updated_lots]:
            self.lots[lot.lot_id] = lot
        return posting

    def lot_list(self) -> list[Lot]:
        return list(self.lots.values())

    def copy(self) -> Book:
        return copy.deepcopy(self)


def enrolled(program: Program, member_id: str, now: datetime, book: Book | None = None) -> MemberState:
    posting = enrollment.enroll(program, member_id, "CODE" + member_id.upper()[:8], None, now)
    if book is not None:
        book.apply(posting)
    return posting.members[0]
