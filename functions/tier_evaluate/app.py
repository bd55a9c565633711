"""TierEvaluateFunction: upgrade at once on PointsAccrued; daily review of members whose review date came."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import clock


class AccruedDetail(BaseModel):
    member_id: str


class PointsAccruedEvent(EventBridgeModel):
    detail: AccruedDetail


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("detail-type") == "PointsAccrued":
        accrued = parse(event=event, model=PointsAccruedEvent)
        changed = clock.evaluate_tier(accrued.detail.member_id, accrued.time)
        return {"member_id": accrued.detail.member_id, "changed": changed}
    scheduled = parse(event=event, model=EventBridgeModel)  # "now" is the schedule's time, never the clock
    return clock.review_tiers(scheduled.time, context.get_remaining_time_in_millis).as_dict()
