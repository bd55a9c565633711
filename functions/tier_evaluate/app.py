"""TierEvaluateFunction: upgrade at once on PointsAccrued; daily review of members whose review date came."""
from __future__ import annotations

from typing import Any

from loyalty.api.earning_triggers import PointsAccruedEvent
from loyalty.api.triggers import ScheduledRun
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import jobs

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("detail-type") == "PointsAccrued":
        accrued = PointsAccruedEvent.model_validate(event)  # the detail as AccrueFunction published it
        changed = jobs.evaluate_tier(accrued.detail.member_id, accrued.time)
        return {"member_id": accrued.detail.member_id, "changed": changed}
    review = ScheduledRun.model_validate(event)  # "now" is the schedule's time, never the clock
    return jobs.review_tiers(review.time, context.get_remaining_time_in_millis).as_dict()


init_done()  # the end of the init phase: platform/init_phase.py
