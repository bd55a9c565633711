"""Powertools set up once per container and shared by every function.

The tracer patches botocore only (every DynamoDB, EventBridge, SQS and S3 call, PynamoDB's included): X-Ray's
default `patch_all` imports every library it can patch that happens to be installed (httpx, requests, sqlite3...),
which is most of a cold start and traces nothing this code calls."""
from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Loyalty"
SERVICE = "loyalty"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=["botocore"])
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def clock_lag(run_time: datetime, finished: datetime, function_name: str) -> None:
    """PointsClockLagSeconds: how long after its time a points-clock run completed. Its own dimension names the
    function (template.yaml's clock alarms name their stack's ExpireFunction: one account may hold two stages)."""
    with single_metric(name="PointsClockLagSeconds", unit=MetricUnit.Seconds, namespace=NAMESPACE,
                       value=max(0.0, (finished - run_time).total_seconds()),
                       default_dimensions={"function_name": function_name}):
        pass  # emitted (with the service dimension) when the block closes
