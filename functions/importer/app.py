"""ImportFunction: members of an existing program moved in with their lots (up to 1 000 a call)."""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.answers import ImportAnswer
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import ImportRequest
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import importer
from loyalty.service.common import utcnow

app = http_resolver()


@app.post("/v1/admin/imports", status_code=200, operation_id="import_members", tags=["admin"],
          summary="Import members with their lots: each applies whole or not at all, once per import_id + member_id",
          responses=responses(401, 403, 413, 415, 422, described={
              413: "body larger than 6 MB", 422: "invalid request (schema, a tier the program lacks): nothing applied"}))
def post_import(body: Annotated[ImportRequest, Body()]) -> ImportAnswer:
    caller(app).allow("import")
    return importer.import_members(body.import_id, [m.imported() for m in body.members], utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
