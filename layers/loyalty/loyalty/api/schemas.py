"""Request models of the HTTP contract: strict types, bounded sizes, unknown fields refused."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from ..domain.accrual import AccrualCommand
from ..domain.earning import Purchase, PurchaseLine

Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
AmountMinor = Annotated[StrictInt, Field(ge=1, le=10**11)]
Points = Annotated[StrictInt, Field(ge=1, le=10**9)]
Currency = Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217; must earn in the program")]
Channel = Literal["online", "store", "app"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    lines: Annotated[list[Line], Field(max_length=100)] = []
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


AccrualRequest = Annotated[PurchaseAccrual | ActivityAccrual, Field(discriminator="kind")]


class ReversalRequest(Strict):
    reversal_id: Id
    amount_minor: AmountMinor | None = Field(None, description="refunded amount; omitted = the whole rest")


class EnrollRequest(Strict):
    member_id: Id
    referral_code: Annotated[StrictStr, Field(min_length=4, max_length=16, pattern=r"^[A-Z0-9]+$")] | None = None


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


class AccrualSimulationRequest(Strict):
    """POST /v1/admin/simulations/accrual: what an accrual would earn a member of this tier and these segments."""

    tier: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a tier of the program; omitted: the first")
    segments: Annotated[list[Id], Field(max_length=100)] = []
    purchase: AccrualRequest


def accrual_command(body: AccrualRequest, now: datetime) -> AccrualCommand:
    """The accrual a request asks for; an omitted occurred_at is the time of the request (checked by the service,
    in its write, so that a late replay still replays)."""
    occurred_at = body.occurred_at or now
    sent = body.occurred_at is not None
    if isinstance(body, PurchaseAccrual):
        lines = tuple(PurchaseLine(x.sku, x.category, x.amount_minor) for x in body.lines)
        purchase = Purchase(body.amount_minor, body.currency, body.channel, lines, occurred_at)
        return AccrualCommand(body.transaction_id, "purchase", occurred_at, purchase=purchase, occurred_at_sent=sent)
    return AccrualCommand(body.transaction_id, "activity", occurred_at, activity=body.activity, occurred_at_sent=sent)
