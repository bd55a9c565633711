"""TransferFunction: move available points to another member; they keep their expiry dates."""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.resolver import caller, created, error_responses, http_resolver
from loyalty.api.schemas import Id, TransferRequest
from loyalty.domain.ledger import fingerprint
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import spending
from loyalty.service.common import utcnow

app = http_resolver()


@app.post("/v1/members/<member_id>/transfers", status_code=201, summary="Transfer points to another member",
          responses=error_responses(401, 403, 404, 409, 422, 429))
def post_transfer(member_id: Annotated[Id, Path()], body: Annotated[TransferRequest, Body()]) -> Response[Any]:
    caller(app).allow("transfer", member_id)
    sent = fingerprint(body.model_dump(mode="json"))
    return created(spending.transfer(member_id, body.to_member_id, body.transfer_id, body.points, sent, utcnow()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
