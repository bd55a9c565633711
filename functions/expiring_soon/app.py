"""ExpiringSoonFunction: the weekly PointsExpiringSoon notice for points expiring within the program's window."""
from __future__ import annotations

from typing import Any

from loyalty.api.triggers import ScheduledEvent
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import jobs

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = ScheduledEvent.model_validate(event)  # only the schedule reaches it: its time is all it reads
    return {"members_notified": jobs.announce_expiring(run.time)}


init_done()  # the end of the init phase: platform/init_phase.py
