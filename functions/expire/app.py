"""ExpireFunction, the points clock: releases pending points whose hold ended and expires lots whose date came,
as of the Scheduled Event's time. An unfinished run asks to be continued through the bus."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.domain.timeutil import iso
from loyalty.platform import bus
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import clock


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = parse(event=event, model=EventBridgeModel)
    now = run.time
    if run.detail_type == clock.CONTINUE_EVENT:  # a continuation keeps the original run's time
        now = clock.continued_time(dict(run.detail))  # type: ignore[arg-type]
    report = clock.run_points_clock(now, context.get_remaining_time_in_millis)
    metrics.add_metric(name="PointsExpired", unit="Count", value=report.expired_points)
    if not report.complete:
        bus.publish([(clock.CONTINUE_EVENT, {"time": iso(now)})])
    return {"time": iso(now), **report.as_dict()}
