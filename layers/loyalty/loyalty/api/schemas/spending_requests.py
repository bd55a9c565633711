"""Redemptions, transfers and adjustments."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StrictStr, model_validator

from .fields import Id, Points, Strict


class RedemptionRequest(Strict):
    redemption_id: Id
    reward_id: Id
    quantity: Annotated[StrictInt, Field(ge=1, le=100)] = 1


class TransferRequest(Strict):
    transfer_id: Id
    to_member_id: Id
    points: Points


class AdjustmentRequest(Strict):
    adjustment_id: Id
    points: Annotated[StrictInt, Field(ge=-10**9, le=10**9, description="positive credits, negative debits")]
    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]

    @model_validator(mode="after")
    def _not_zero(self) -> AdjustmentRequest:
        if self.points == 0:
            raise ValueError("points must not be zero")
        return self
