"""ExportFunction: BI exports of the ledger and the members as gzipped JSON Lines in the exports bucket. The API
creates a job and answers 202; the work runs on the job's ExportRequested events (continued the same way when
time runs short) and on the daily schedule (the day before's ledger, the members snapshot)."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import ExportAccepted, ExportStatus
from loyalty.api.job_triggers import ExportRequestedEvent
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import ExportRequest, Id
from loyalty.api.triggers import ScheduledRun
from loyalty.domain.export_jobs import ExportJob
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import exports
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/admin/exports", status_code=202, operation_id="create_export", tags=["admin"],
          summary="Export the ledger (all of it, or the days from..to) or the members as gzipped JSON Lines",
          responses=responses(401, 403, 413, 415, 422, success=202))
def post_export(body: Annotated[ExportRequest, Body()]) -> ExportAccepted:
    caller(app).allow("export")
    return exports.start(body.kind, body.from_, body.to, utcnow())


@app.get("/v1/admin/exports/<export_id>", operation_id="get_export", tags=["admin"],
         summary="An export's status, lines written and, once done, a presigned URL of its file",
         responses=responses(401, 403, 404, 422, described={404: "EXPORT_NOT_FOUND: no export with that id"}))
def get_export(export_id: Annotated[Id, Path()]) -> ExportStatus:
    caller(app).allow("export")
    return exports.status(export_id)


def _summary(job: ExportJob | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {"export_id": job.export_id, "kind": job.kind, "status": job.status, "rows": job.rows, "step": job.step}


def _run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    time_left = context.get_remaining_time_in_millis
    if event.get("detail-type") == "ExportRequested":
        requested = ExportRequestedEvent.model_validate(event).detail
        return {"job": _summary(exports.run(requested.export_id, requested.run, time_left))}
    fired = ScheduledRun.model_validate(event).time  # the day exported is the one before the schedule's time
    return {"jobs": [_summary(job) for job in exports.run_daily(fired, utcnow(), time_left)]}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routeKey" in event:
        return app.resolve(event, context)
    return _run(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
