"""AccrueFunction: earning and its reversal, over HTTP and from the payments events; the referral bonus when a
referee qualifies."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import AccrualAnswer, ReferralAnswer, ReversalAnswer
from loyalty.api.earning_triggers import ReferralQualifiedEvent
from loyalty.api.payment_events import CapturedEvent, RefundedEvent
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import AccrualRequest, Id, ReversalRequest, accrual_command
from loyalty.domain.accrual import ReversalCommand
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import accruals
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/members/<member_id>/accruals", status_code=201, summary="Earn points for a purchase or an activity",
          operation_id="accrue",
          tags=["earning"], responses=responses(*WRITE_ERRORS, success=201))
def post_accrual(member_id: Annotated[Id, Path()], body: Annotated[AccrualRequest, Body()]) -> AccrualAnswer:
    caller(app).allow("accrue", member_id)
    now = utcnow()
    return accruals.accrue(member_id, accrual_command(body, now), now)


@app.post("/v1/members/<member_id>/accruals/<transaction_id>/reversals", status_code=201,
          summary="Claw back the points of a full or partial refund", operation_id="reverse_accrual",
          tags=["earning"], responses=responses(*WRITE_ERRORS, success=201))
def post_reversal(member_id: Annotated[Id, Path()], transaction_id: Annotated[Id, Path()],
                  body: Annotated[ReversalRequest, Body()]) -> ReversalAnswer:
    caller(app).allow("reverse", member_id)
    cmd = ReversalCommand(body.reversal_id, transaction_id, body.amount_minor)
    return accruals.reverse(member_id, cmd, utcnow())


def on_bus_event(event: dict[str, Any]) -> AccrualAnswer | ReversalAnswer | ReferralAnswer:
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
        cmd = ReversalCommand(refund.refund_id, refund.transaction_id, refund.amount_minor)
        return accruals.reverse(refund.member_id, cmd, now)
    captured = CapturedEvent.model_validate(event).detail
    logger.append_keys(member_id=captured.member_id, transaction_id=captured.transaction_id)
    return accruals.accrue(captured.member_id, accrual_command(captured.accrual(), now), now)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "requestContext" in event:
        return app.resolve(event, context)
    return on_bus_event(event).model_dump(mode="json")


init_done()  # the end of the init phase: platform/init_phase.py
