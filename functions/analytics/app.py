"""AnalyticsFunction: counts the program figures each member write carried, from the Members table's stream.

A batch is counted whole or retried whole: each member item version is counted once (the Analytics table marks the
last version counted per member), so a redelivered or retried batch changes nothing it already counted. A record
without figures is skipped (the mapping's filter keeps them away on AWS); a record whose figures do not parse fails
the batch, which the mapping bisects, retries and finally sends to the on-failure queue: never dropped silently."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loyalty.api.stream_images import FiguresWrite
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import analytics

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext


def counted_write(record: DynamoDBRecord) -> analytics.CountedWrite | None:
    image = record.dynamodb.new_image if record.dynamodb else {}
    if "figures" not in image:
        return None
    write = FiguresWrite.model_validate(image)
    epoch = record.dynamodb.approximate_creation_date_time if record.dynamodb else None
    written = datetime.fromtimestamp(epoch, UTC) if epoch is not None else datetime.now(UTC)
    return analytics.CountedWrite(write.member_id, write.version, write.figures, written.date().isoformat())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    writes = [w for w in map(counted_write, event.records) if w is not None]
    counted = analytics.consume(writes)
    metrics.add_metric(name="WritesCounted", unit="Count", value=counted)
    return {"records": len(list(event.records)), "counted": counted}


init_done()  # the end of the init phase: platform/init_phase.py
