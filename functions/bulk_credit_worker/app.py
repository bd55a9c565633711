"""BulkCreditWorkerFunction works BulkCreditQueue, which BulkCreditFunction's POST fills: a chunk of members to
credit, or a page of a segment to read (which queues its chunks and the next page). A message that fails is a
batch item failure, received again, and after the queue's maxReceiveCount in the dead-letter queue (alarmed)."""
from __future__ import annotations

from typing import Any

from loyalty.platform.record_batches import BatchProcessor, EventType, process_partial_response

from loyalty.api.schemas import BulkCreditWork, MembersChunk, SegmentPage
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import bulk_credits
from loyalty.service.common import utcnow

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

processor = BatchProcessor(event_type=EventType.SQS)
WORK: TypeAdapter[MembersChunk | SegmentPage] = TypeAdapter(BulkCreditWork)


def work(record: SQSRecord, context: LambdaContext) -> None:
    message = WORK.validate_json(record.body)
    if isinstance(message, MembersChunk):
        bulk_credits.credit_members(message.credit_id, message.fingerprint, message.member_ids, utcnow())
    else:
        bulk_credits.expand_segment(message.credit_id, message.fingerprint, message.page, message.start,
                                    context.get_remaining_time_in_millis)



@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=lambda record: work(record, context),
                                         processor=processor, context=context))


init_done()  # the end of the init phase: platform/init_phase.py
