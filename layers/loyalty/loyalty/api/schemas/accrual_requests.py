"""Accruals, reversals and the admin's accrual simulation."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictStr, model_validator

from ...domain.accrual import AccrualCommand
from ...domain.earning import Purchase, PurchaseLine
from .fields import AmountMinor, Channel, Currency, Id, Strict


class Line(Strict):
    sku: Id | None = None
    category: Id | None = None
    amount_minor: AmountMinor


class PurchaseAccrual(Strict):
    transaction_id: Id
    kind: Literal["purchase"]
    amount_minor: AmountMinor
    currency: Currency
    channel: Channel | None = None
    lines: Annotated[list[Line], Field(max_length=100)] = Field([])
    occurred_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _lines_within_amount(self) -> PurchaseAccrual:
        if sum(line.amount_minor for line in self.lines) > self.amount_minor:
            raise ValueError("lines add up to more than amount_minor")
        return self


class ActivityAccrual(Strict):
    transaction_id: Id
    kind: Literal["activity"]
    activity: Id
    occurred_at: AwareDatetime | None = None


class ReceiptAccrual(Strict):
    """An offline purchase scanned from its receipt: earns as a purchase in store, once per store and receipt id
    across all members."""

    transaction_id: Id = Field(description="the receipt's id, unique within its store")
    kind: Literal["receipt"]
    store_id: Id
    amount_minor: AmountMinor
    currency: Currency
    occurred_at: AwareDatetime | None = None


AccrualRequest = Annotated[PurchaseAccrual | ActivityAccrual | ReceiptAccrual, Field(discriminator="kind")]


class ReversalRequest(Strict):
    reversal_id: Id
    amount_minor: AmountMinor | None = Field(None, description="refunded amount; omitted = the whole rest")


class AccrualSimulationRequest(Strict):
    """POST /v1/admin/simulations/accrual: what an accrual would earn a member of this tier and these segments."""

    tier: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a tier of the program; omitted: the first")
    segments: Annotated[list[Id], Field(max_length=100)] = Field([])
    purchase: AccrualRequest


def accrual_command(body: AccrualRequest, now: datetime) -> AccrualCommand:
    """The accrual a request asks for; an omitted occurred_at is the time of the request (checked by the service,
    in its write, so that a late replay still replays)."""
    occurred_at = body.occurred_at or now
    sent = body.occurred_at is not None
    if isinstance(body, ReceiptAccrual):
        receipt = Purchase(body.amount_minor, body.currency, "store", (), occurred_at)
        return AccrualCommand(body.transaction_id, "receipt", occurred_at, purchase=receipt, occurred_at_sent=sent,
                              store_id=body.store_id)
    if isinstance(body, PurchaseAccrual):
        lines = tuple(PurchaseLine(x.sku, x.category, x.amount_minor) for x in body.lines)
        purchase = Purchase(body.amount_minor, body.currency, body.channel, lines, occurred_at)
        return AccrualCommand(body.transaction_id, "purchase", occurred_at, purchase=purchase, occurred_at_sent=sent)
    return AccrualCommand(body.transaction_id, "activity", occurred_at, activity=body.activity, occurred_at_sent=sent)
