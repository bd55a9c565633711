"""What a referral's bonus answers."""
from __future__ import annotations

from typing import Literal

from .base import Answer
from .views import MemberView


class Referral(Answer):
    """The referrer's bonus (paid from the ReferralQualified event, not over HTTP)."""

    transaction_id: str
    points: int
    status: Literal["available"]
    kind: Literal["referral"]
    referee_id: str


class ReferralAnswer(Answer):
    referral: Referral
    member: MemberView
