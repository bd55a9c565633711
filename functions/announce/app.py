"""AnnounceFunction: publishes the events that each member write carried (its outbox), from the Members table's
stream. A record whose events were not all accepted is a batch item failure: the stream delivers it again."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import announcements

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def announce_record(record: DynamoDBRecord) -> int:
    image = record.dynamodb.new_image if record.dynamodb else {}
    return announcements.announce(str(image["member_id"]), int(image["version"]), image.get("outbox"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=announce_record, processor=processor,
                                    context=context)
