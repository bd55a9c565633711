"""AdminFunction: manual adjustments, program figures and analytics (the program document and simulations are
ProgramFunction's)."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import AdjustmentAnswer, Analytics, Stats
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import AdjustmentRequest, Day, Id
from loyalty.domain.spending import AdjustmentCommand
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import admin, analytics
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

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
    return analytics.stats()


@app.get("/v1/admin/analytics", operation_id="get_analytics", tags=["admin"], responses=responses(401, 403, 422),
         summary="Daily figures (issued, redeemed, expired, reversed, adjusted, outstanding, members), rates, the "
                 "liability, tiers and top rewards over a range of UTC days (the 30 days to today by default)")
def get_analytics(first: Annotated[Day | None, Query(alias="from")] = None,
                  last: Annotated[Day | None, Query(alias="to")] = None) -> Analytics:
    caller(app).allow("stats")
    return analytics.report(first, last, utcnow().date())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
