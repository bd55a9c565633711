"""Models of the events the payments platform sends (source `payments`). That system owns their shape, so they
are declared here rather than in loyalty.events; the envelope is the lenient bus event of .triggers (it takes
what AWS sends and what `sam local generate-event` makes)."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .schemas import AmountMinor, Id, PurchaseAccrual
from .triggers import BusEvent, TriggerModel


class PaymentCaptured(PurchaseAccrual):
    """The accrual request of a captured payment, plus the member it belongs to."""

    model_config = ConfigDict(extra="ignore")
    member_id: Id
    kind: Literal["purchase"] = "purchase"

    def accrual(self) -> PurchaseAccrual:
        fields = self.model_dump(exclude={"member_id"}, exclude_unset=True)
        return PurchaseAccrual.model_validate({**fields, "kind": "purchase"})


class PaymentRefunded(TriggerModel):
    member_id: Id
    transaction_id: Id
    refund_id: Id
    amount_minor: AmountMinor


class CapturedEvent(BusEvent[PaymentCaptured]):
    detail_type: Literal["PaymentCaptured"] = Field(alias="detail-type")


class RefundedEvent(BusEvent[PaymentRefunded]):
    detail_type: Literal["PaymentRefunded"] = Field(alias="detail-type")
