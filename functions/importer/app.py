"""ImportFunction: members of an existing program moved in with their lots: up to 1 000 a call, or a file of any
size uploaded to S3 and read a page at a time (continued through the bus), with its status and refusals."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import ImportAnswer, ImportRefusalsPage, ImportStatus, ImportUpload
from loyalty.api.job_triggers import ImportContinuedEvent
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import Id, ImportRequest, ImportUploadRequest, member_of_line
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import importer
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

app = http_resolver()


@app.post("/v1/admin/imports", status_code=200, operation_id="import_members", tags=["admin"],
          summary="Import members with their lots: each applies whole or not at all, once per import_id + member_id",
          responses=responses(401, 403, 413, 415, 422, described={
              413: "body larger than 6 MB", 422: "invalid request (schema, a tier the program lacks): nothing applied"}))
def post_import(body: Annotated[ImportRequest, Body()]) -> ImportAnswer:
    caller(app).allow("import")
    return importer.import_members(body.import_id, [m.imported() for m in body.members], utcnow())


@app.post("/v1/admin/imports/uploads", status_code=201, operation_id="upload_import", tags=["admin"],
          summary="A presigned URL to PUT an import's file to (JSON Lines: one member a line, as in POST /v1/admin/imports)",
          responses=responses(401, 403, 409, 413, 415, 422, success=201,
                              described={409: "ALREADY_APPLIED: the import has started"}))
def post_upload(body: Annotated[ImportUploadRequest, Body()]) -> ImportUpload:
    caller(app).allow("import")
    return importer.upload(body.import_id)


@app.post("/v1/admin/imports/<import_id>/start", status_code=202, operation_id="start_import", tags=["admin"],
          summary="Start importing the uploaded file (again: goes on with a running import; never applies twice)",
          responses=responses(401, 403, 404, 422, success=202, described={404: "IMPORT_NOT_FOUND: nothing uploaded"}))
def post_start(import_id: Annotated[Id, Path()]) -> ImportStatus:
    caller(app).allow("import")
    return importer.start(import_id, utcnow())


@app.get("/v1/admin/imports/<import_id>", operation_id="get_import", tags=["admin"],
         summary="An uploaded import's progress and counts", responses=responses(401, 403, 404, 422))
def get_import(import_id: Annotated[Id, Path()]) -> ImportStatus:
    caller(app).allow("import")
    return importer.status(import_id)


@app.get("/v1/admin/imports/<import_id>/refusals", operation_id="list_import_refusals", tags=["admin"],
         summary="The refused members of an uploaded import, by line", responses=responses(401, 403, 404, 422))
def get_refusals(import_id: Annotated[Id, Path()], limit: Annotated[int, Query(), Field(ge=1, le=1000)] = 100,
                 cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None) -> ImportRefusalsPage:
    caller(app).allow("import")
    return importer.refusals(import_id, limit, cursor)


def continue_import(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An ImportContinued event: go on from the checkpoint until done or the time is short."""
    detail = ImportContinuedEvent.model_validate(event).detail
    status = importer.continue_import(detail.import_id, context.get_remaining_time_in_millis, member_of_line, utcnow())
    return status.model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("detail-type") == "ImportContinued":
        return continue_import(event, context)
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
