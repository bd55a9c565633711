"""RedeemFunction: spend points on a reward, and cancel a redemption."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import CancellationAnswer, RedemptionAnswer
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import Id, RedemptionRequest
from loyalty.domain.spending import RedemptionCommand
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import redemptions
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/members/<member_id>/redemptions", status_code=201, summary="Redeem points for a catalog reward",
          operation_id="redeem",
          tags=["spending"], responses=responses(*WRITE_ERRORS, success=201))
def post_redemption(member_id: Annotated[Id, Path()], body: Annotated[RedemptionRequest, Body()]) -> RedemptionAnswer:
    caller(app).allow("redeem", member_id)
    cmd = RedemptionCommand(body.redemption_id, body.reward_id, body.quantity)
    return redemptions.redeem(member_id, cmd, utcnow())


@app.post("/v1/members/<member_id>/redemptions/<redemption_id>/cancellation", status_code=201,
          summary="Cancel a redemption: points back with their original expiry, stock back", operation_id="cancel_redemption",
          tags=["spending"], responses=responses(401, 403, 404, 409, 422, success=201))
def post_cancellation(member_id: Annotated[Id, Path()], redemption_id: Annotated[Id, Path()]) -> CancellationAnswer:
    caller(app).allow("cancel", member_id)
    return redemptions.cancel(member_id, redemption_id, utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
