"""AccrueFunction: earning and its reversal, over HTTP and from the payments events; the referral bonus when a
referee qualifies."""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.payment_events import CapturedEvent, RefundedEvent
from loyalty.api.resolver import caller, created, error_responses, http_resolver
from loyalty.api.schemas import AccrualRequest, Id, PurchaseAccrual, ReversalRequest
from loyalty.api.triggers import ReferralQualifiedEvent
from loyalty.domain.accrual import AccrualCommand, ReversalCommand
from loyalty.domain.earning import Purchase, PurchaseLine
from loyalty.domain.ledger import fingerprint
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import accruals
from loyalty.service.common import utcnow

app = http_resolver()


def accrual_command(body: AccrualRequest, now: Any) -> AccrualCommand:
    occurred_at = body.occurred_at or now  # checked by the service, so that a late replay still replays
    if isinstance(body, PurchaseAccrual):
        lines = tuple(PurchaseLine(x.sku, x.category, x.amount_minor) for x in body.lines)
        purchase = Purchase(body.amount_minor, body.currency, body.channel, lines, occurred_at)
        return AccrualCommand(body.transaction_id, "purchase", occurred_at, purchase=purchase)
    return AccrualCommand(body.transaction_id, "activity", occurred_at, activity=body.activity)


@app.post("/v1/members/<member_id>/accruals", status_code=201, summary="Earn points for a purchase or an activity",
          responses=error_responses(401, 403, 404, 409, 422, 429))
def post_accrual(member_id: Annotated[Id, Path()], body: Annotated[AccrualRequest, Body()]) -> Response[Any]:
    caller(app).allow("accrue", member_id)
    now = utcnow()
    sent = fingerprint(body.model_dump(mode="json", exclude_unset=True))
    return created(accruals.accrue(member_id, accrual_command(body, now), sent, now))


@app.post("/v1/members/<member_id>/accruals/<transaction_id>/reversals", status_code=201,
          summary="Claw back the points of a full or partial refund",
          responses=error_responses(401, 403, 404, 409, 422, 429))
def post_reversal(member_id: Annotated[Id, Path()], transaction_id: Annotated[Id, Path()],
                  body: Annotated[ReversalRequest, Body()]) -> Response[Any]:
    caller(app).allow("reverse", member_id)
    sent = fingerprint({"transaction_id": transaction_id, **body.model_dump(mode="json", exclude_unset=True)})
    cmd = ReversalCommand(body.reversal_id, transaction_id, body.amount_minor)
    return created(accruals.reverse(member_id, cmd, sent, utcnow()))


def on_bus_event(event: dict[str, Any]) -> dict[str, Any]:
    """PaymentCaptured earns, PaymentRefunded reverses, ReferralQualified pays the referrer. A bad or refused
    event raises, so it is retried and then lands in the dead-letter queue: nothing is dropped silently. A
    duplicate delivery replays."""
    now = utcnow()
    if event.get("detail-type") == "ReferralQualified":
        qualified = ReferralQualifiedEvent.model_validate(event)  # the detail as the referee's accrual published it
        referral = qualified.detail
        logger.append_keys(member_id=referral.member_id, referee_id=referral.referee_id)
        return accruals.pay_referral(referral.member_id, referral.referee_id, qualified.qualified_at)
    if event.get("detail-type") == "PaymentRefunded":
        refund = RefundedEvent.model_validate(event).detail
        logger.append_keys(member_id=refund.member_id, refund_id=refund.refund_id)
        sent = fingerprint({"transaction_id": refund.transaction_id, "reversal_id": refund.refund_id,
                            "amount_minor": refund.amount_minor})
        cmd = ReversalCommand(refund.refund_id, refund.transaction_id, refund.amount_minor)
        return accruals.reverse(refund.member_id, cmd, sent, now)
    captured = CapturedEvent.model_validate(event).detail
    logger.append_keys(member_id=captured.member_id, transaction_id=captured.transaction_id)
    accrual = captured.accrual()
    sent = fingerprint(accrual.model_dump(mode="json", exclude_unset=True))
    return accruals.accrue(captured.member_id, accrual_command(accrual, now), sent, now)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "requestContext" in event:
        return app.resolve(event, context)
    return on_bus_event(event)
