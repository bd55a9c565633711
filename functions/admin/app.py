"""AdminFunction: manual adjustments and program figures."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.resolver import caller, created, error_responses, http_resolver
from loyalty.api.schemas import AdjustmentRequest, Id
from loyalty.domain.ledger import fingerprint
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import admin, spending
from loyalty.service.common import utcnow

app = http_resolver()


@app.post("/v1/admin/members/<member_id>/adjustments", status_code=201,
          summary="Credit (new lot, not qualifying) or debit (never below zero) a member",
          responses=error_responses(401, 403, 404, 409, 422, 429))
def post_adjustment(member_id: Annotated[Id, Path()], body: Annotated[AdjustmentRequest, Body()]) -> Response[Any]:
    caller(app).allow("adjust", member_id)
    sent = fingerprint(body.model_dump(mode="json"))
    direction: Literal["credit", "debit"] = "credit" if body.points > 0 else "debit"
    return created(spending.adjust(member_id, body.adjustment_id, direction, abs(body.points), body.reason, sent,
                                   utcnow()))


@app.get("/v1/admin/stats", summary="Points issued, redeemed, expired, outstanding; tier distribution",
         responses=error_responses(401, 403))
def get_stats() -> dict[str, Any]:
    caller(app).allow("stats")
    return admin.program_stats()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
