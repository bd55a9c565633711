"""ProgramFunction: the program document (read, edit, revisions) and accrual simulations: the operator's program
work, apart from AdminFunction's adjustments and figures (its own permissions, and each a smaller cold start)."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import AccrualSimulation, ProgramAtRevision, RevisionsPage
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import AccrualSimulationRequest, ProgramEdit, accrual_command
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import accruals, program_admin
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

app = http_resolver()


@app.get("/v1/admin/program", summary="The program document in force and its revision",
         operation_id="get_admin_program", tags=["admin"], responses=responses(401, 403))
def get_admin_program() -> ProgramAtRevision:
    caller(app).allow("program")
    return program_admin.current(utcnow())


@app.put("/v1/admin/program", summary="Replace the program document: the revision edited must be the one in force",
         operation_id="put_admin_program", tags=["admin"],
         responses=responses(401, 403, 409, 413, 415, 422, described={
             409: "REVISION_CONFLICT: the program changed since the revision edited",
             413: "body larger than 1 MB",
             422: "invalid request (schema, bad bytes), or INVALID_PROGRAM with error.details: nothing changed"}))
def put_admin_program(body: Annotated[ProgramEdit, Body()]) -> ProgramAtRevision:
    who = caller(app)
    who.allow("program")
    return program_admin.edit(body.program, body.revision, who.sub, utcnow())


@app.get("/v1/admin/program/revisions", summary="Revisions of the program document, newest first",
         operation_id="list_program_revisions", tags=["admin"], responses=responses(401, 403, 422))
def get_program_revisions(limit: Annotated[int, Query(), Field(ge=1, le=100)] = 20,
                          cursor: Annotated[str | None, Query(max_length=12)] = None) -> RevisionsPage:
    caller(app).allow("program")
    return program_admin.revisions(limit, cursor, utcnow())


@app.post("/v1/admin/simulations/accrual", status_code=200, operation_id="simulate_accrual",
          summary="What an accrual would earn a member of a tier and segments (promotions included); writes nothing",
          tags=["admin"], responses=responses(401, 403, 413, 415, 422))
def post_accrual_simulation(body: Annotated[AccrualSimulationRequest, Body()]) -> AccrualSimulation:
    caller(app).allow("simulate")
    now = utcnow()
    return accruals.simulate(body.tier, body.segments, accrual_command(body.purchase, now), now)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
