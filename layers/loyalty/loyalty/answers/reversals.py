"""What a reversal answers."""
from __future__ import annotations

from pydantic import Field

from .base import Answer
from .views import MemberView


class Reversal(Answer):
    reversal_id: str
    transaction_id: str
    points: int = Field(description="points taken back (positive)")
    refunded_minor: int = Field(description="amount refunded so far, minor units")


class ReversalAnswer(Answer):
    reversal: Reversal
    member: MemberView
