"""Models of the events the payments platform sends (source `payments`), parsed with Powertools Parser."""
from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field

from .schemas import AmountMinor, Id, PurchaseAccrual


class PaymentCaptured(PurchaseAccrual):
    """The accrual request of a captured payment, plus the member it belongs to."""

    model_config = ConfigDict(extra="ignore")
    member_id: Id
    kind: Literal["purchase"] = "purchase"

    def accrual(self) -> PurchaseAccrual:
        fields = self.model_dump(exclude={"member_id"}, exclude_unset=True)
        return PurchaseAccrual.model_validate({**fields, "kind": "purchase"})


class PaymentRefunded(BaseModel):
    member_id: Id
    transaction_id: Id
    refund_id: Id
    amount_minor: AmountMinor


class CapturedEvent(EventBridgeModel):
    detail_type: Literal["PaymentCaptured"] = Field(alias="detail-type")  # type: ignore[assignment]
    detail: PaymentCaptured


class RefundedEvent(EventBridgeModel):
    detail_type: Literal["PaymentRefunded"] = Field(alias="detail-type")  # type: ignore[assignment]
    detail: PaymentRefunded
