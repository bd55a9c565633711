"""BulkCreditFunction: `POST /v1/admin/bulk-credits` queues a credit of a list or a segment of members (on
BulkCreditQueue, which BulkCreditWorkerFunction works), `GET /v1/admin/bulk-credits/{credit_id}` tells how far it
got."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import BulkCredit
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import BulkCreditRequest, Id
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import bulk_credits
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/admin/bulk-credits", status_code=202, operation_id="start_bulk_credit", tags=["admin"],
          summary="Credit points to each listed member, or each member of a segment, once per credit_id (queued)",
          responses=responses(401, 403, 409, 413, 415, 422, success=202))
def post_bulk_credit(body: Annotated[BulkCreditRequest, Body()]) -> BulkCredit:
    caller(app).allow("adjust")
    return bulk_credits.start(body.command(), utcnow())


@app.get("/v1/admin/bulk-credits/<credit_id>", operation_id="get_bulk_credit", tags=["admin"],
         summary="How far a bulk credit got: members credited and skipped, running or done",
         responses=responses(401, 403, 404, 422))
def get_bulk_credit(credit_id: Annotated[Id, Path()]) -> BulkCredit:
    caller(app).allow("adjust")
    return bulk_credits.status(credit_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
