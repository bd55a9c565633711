"""ExpireFunction, the points clock: releases pending points whose hold ended and expires lots whose date came,
as of the Scheduled Event's time. An unfinished run asks to be continued through the bus."""
from __future__ import annotations

from typing import Any

from loyalty.api.job_triggers import PointsClockContinuedEvent
from loyalty.api.triggers import ScheduledRun
from loyalty.domain.timeutil import iso
from loyalty.events import PointsClockContinued
from loyalty.platform import bus
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import clock_lag, logger, metrics, tracer
from loyalty.service import jobs
from loyalty.service.common import utcnow

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("detail-type") == "PointsClockContinued":
        now = PointsClockContinuedEvent.model_validate(event).run_time  # a continuation keeps the run's time
    else:
        now = ScheduledRun.model_validate(event).time  # "now" is the schedule's time, never the clock
    report = jobs.run_points_clock(now, context.get_remaining_time_in_millis)
    metrics.add_metric(name="PointsExpired", unit="Count", value=report.expired_points)
    if report.complete:
        clock_lag(now, utcnow(), context.function_name)  # the clock's alarms (template.yaml) watch it
    else:
        bus.publish([PointsClockContinued(time=iso(now))])
    return {"time": iso(now), **report.as_dict()}


init_done()  # the end of the init phase: platform/init_phase.py
