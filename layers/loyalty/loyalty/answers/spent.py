"""What a redemption or its cancellation answers."""
from __future__ import annotations

from pydantic import Field

from .base import Answer
from .views import MemberView


class Redemption(Answer):
    redemption_id: str
    reward_id: str
    quantity: int
    points: int
    code: str | None = Field(description="voucher code a checkout or partner honours; null for a donation")


class RedemptionAnswer(Answer):
    redemption: Redemption
    member: MemberView


class Cancellation(Answer):
    redemption_id: str
    reward_id: str
    quantity: int
    points: int = Field(description="points given back")
    expired_points: int = Field(description="points whose original expiry passed meanwhile")


class CancellationAnswer(Answer):
    cancellation: Cancellation
    member: MemberView
