"""What an adjustment or a bulk credit answers."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Answer
from .views import MemberView


class Adjustment(Answer):
    adjustment_id: str
    direction: Literal["credit", "debit"]
    points: int
    reason: str


class AdjustmentAnswer(Answer):
    adjustment: Adjustment
    member: MemberView


class BulkCredit(Answer):
    credit_id: str
    status: Literal["running", "done"] = Field(description="done once every member found has an outcome")
    credited: int = Field(description="members credited (once each, whatever the retries)")
    skipped: int = Field(description="members unknown, or refused by a business rule (blocked)")
    members: int = Field(description="members found so far: all of a list; a segment's grow as it is read")
    points: int = Field(description="points credited to each member")
    reason: str
    segment: str | None = None
