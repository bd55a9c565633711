"""AdminFunction: manual adjustments, program figures and accrual simulations."""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.answers import AccrualSimulation, AdjustmentAnswer, Stats
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import AccrualSimulationRequest, AdjustmentRequest, Id, accrual_command
from loyalty.domain.spending import AdjustmentCommand
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import accruals, admin
from loyalty.service.common import utcnow

app = http_resolver()


@app.post("/v1/admin/members/<member_id>/adjustments", status_code=201,
          summary="Credit (new lot, not qualifying) or debit (never below zero) a member", operation_id="adjust_points",
          tags=["admin"], responses=responses(*WRITE_ERRORS, success=201))
def post_adjustment(member_id: Annotated[Id, Path()], body: Annotated[AdjustmentRequest, Body()]) -> AdjustmentAnswer:
    caller(app).allow("adjust", member_id)
    cmd = AdjustmentCommand(body.adjustment_id, "credit" if body.points > 0 else "debit", abs(body.points), body.reason)
    return admin.adjust(member_id, cmd, utcnow())


@app.get("/v1/admin/stats", summary="Points issued, redeemed, expired, outstanding; tier distribution", operation_id="get_stats",
         tags=["admin"], responses=responses(401, 403))
def get_stats() -> Stats:
    caller(app).allow("stats")
    return admin.program_stats()


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
