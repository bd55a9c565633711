"""TransferFunction: move available points to another member; they keep their expiry dates."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import TransferAnswer
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import Id, TransferRequest
from loyalty.domain.spending import TransferCommand
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import transfers
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/members/<member_id>/transfers", status_code=201, summary="Transfer points to another member",
          operation_id="transfer_points",
          tags=["spending"], responses=responses(*WRITE_ERRORS, success=201))
def post_transfer(member_id: Annotated[Id, Path()], body: Annotated[TransferRequest, Body()]) -> TransferAnswer:
    caller(app).allow("transfer", member_id)
    cmd = TransferCommand(body.transfer_id, body.to_member_id, body.points)
    return transfers.transfer(member_id, cmd, utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
