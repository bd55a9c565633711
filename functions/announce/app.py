"""AnnounceFunction: publishes the events that each member write carried (its outbox), from the Members table's
stream. A record whose events were not all accepted is a batch item failure: the stream delivers it again.

A record without an outbox is skipped: it has nothing to announce (a removal, a write without events, a record of
some other table such as `sam local generate-event dynamodb update` makes), and on AWS the mapping's filter keeps
it away anyway. A record with an outbox but without the member_id and version that its events' ids are made of is
a batch item failure, not skipped: those are events owed to subscribers, so it is retried and then lands in the
on-failure queue (alarmed) instead of being dropped silently."""
from __future__ import annotations

from typing import Any

from loyalty.platform.record_batches import BatchProcessor, EventType, PartialItemFailureResponse, process_partial_response

from loyalty.api.stream_images import MemberWrite
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import announcements

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def announce_record(record: DynamoDBRecord) -> int:
    image = record.dynamodb.new_image if record.dynamodb else {}
    if "outbox" not in image:
        logger.debug("no outbox: nothing to announce", extra={"event_name": record.event_name})
        return 0
    write = MemberWrite.model_validate(image)  # raises (a batch item failure) without member_id and version
    return announcements.announce(write.member_id, write.version, write.outbox)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=announce_record, processor=processor,
                                    context=context)


init_done()  # the end of the init phase: platform/init_phase.py
