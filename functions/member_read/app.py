"""MemberReadFunction: the member view and its paged history."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import HistoryPage, MemberView
from loyalty.api.resolver import caller, http_resolver, responses
from loyalty.api.schemas import Id
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import members
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

app = http_resolver()


@app.get("/v1/members/<member_id>", summary="Balance, tier, progress and points expiring soon",
         operation_id="get_member", tags=["members"],
         responses=responses(401, 403, 404, 422))
def get_member(member_id: Annotated[Id, Path()]) -> MemberView:
    caller(app).allow("read", member_id)
    return members.view(member_id, utcnow())


@app.get("/v1/members/<member_id>/transactions", summary="Ledger history, newest first",
         operation_id="get_history", tags=["members"],
         responses=responses(401, 403, 404, 422))
def get_history(member_id: Annotated[Id, Path()],
                limit: Annotated[int, Query(), Field(ge=1, le=100)] = 50,
                cursor: Annotated[str | None, Query(max_length=2048)] = None) -> HistoryPage:
    caller(app).allow("read", member_id)
    return members.history(member_id, limit, cursor)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
