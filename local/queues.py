"""SQS to Lambda, emulated: the template's `Type: SQS` event sources, delivered synchronously.

Lambda polls a queue and invokes the function with batches of messages; a message the function reports as a batch
item failure (or every message of a batch that raised) becomes visible again and is received again, until the
queue's redrive policy moves it to the dead-letter queue after `maxReceiveCount` receives. Here the queues of the
embedded moto are polled when a request has finished (as stream records are, see streams.py), so by the time a
client gets its answer the messages its writes sent have been handled, and so have those that handling sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from moto.sqs.models import sqs_backends

from .atomic_moto import MOTO_LOCK
from .template import ACCOUNT, REGION, QueueSource

log = logging.getLogger("local.queues")

RECEIVE_MAX = 10  # SQS hands out at most 10 messages a ReceiveMessage call
HIDDEN_SECONDS = 300  # a received message stays hidden while its batch runs (the queue's visibility timeout)
RETRIES_WITHOUT_REDRIVE = 3  # a queue without a redrive policy: left hidden after this many receives
Invoke = Callable[[str, dict[str, Any]], Any]
_local = threading.local()


def waiting(queue_name: str) -> int:
    """Visible messages moto holds for the queue (0 for a queue that does not exist): read in process, so an idle
    settle costs no request."""
    with MOTO_LOCK:
        queue = sqs_backends[ACCOUNT][REGION].queues.get(queue_name)
        return len(queue.messages) if queue is not None else 0


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event carries it."""
    attributes = {
        name: {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
               "stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType", "String")}
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": message.get("Attributes") or {}, "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
            "awsRegion": REGION}


class QueuePump:
    def __init__(self, sources: list[QueueSource], queue_name: Callable[[str], str], invoke: Invoke,
                 sqs: Callable[[], Any]) -> None:
        self.sources = sources
        self.queue_name = queue_name
        self.invoke = invoke
        self._sqs_factory = sqs
        self._sqs: Any = None
        self._lock = threading.Lock()

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = self._sqs_factory()
        return self._sqs

    def settle(self) -> int:
        """Deliver every visible message, and those the deliveries send, until the queues are empty (or hold only
        messages left hidden); the number of messages delivered. A call from inside a delivery returns at once:
        the loop already running takes the new messages."""
        if not self.sources or getattr(_local, "settling", False):
            return 0
        _local.settling = True
        try:
            with self._lock:
                delivered = 0
                while ready := [s for s in self.sources if waiting(self.queue_name(s.queue))]:
                    for source in ready:
                        delivered += self._deliver(source)
                return delivered
        finally:
            _local.settling = False

    def _url(self, queue: str) -> str:
        return str(self.sqs.get_queue_url(QueueName=self.queue_name(queue))["QueueUrl"])

    def _receive(self, source: QueueSource, url: str) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        while len(batch) < source.batch_size:
            got = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(RECEIVE_MAX, source.batch_size - len(batch)),
                VisibilityTimeout=HIDDEN_SECONDS, WaitTimeSeconds=0, AttributeNames=["All"],
                MessageAttributeNames=["All"]).get("Messages") or []
            if not got:
                break
            batch.extend(got)
        return batch

    def _deliver(self, source: QueueSource) -> int:
        url = self._url(source.queue)
        batch = self._receive(source, url)
        if not batch:
            return 0
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.queue_name(source.queue)}"
        failed, reason = self._invoke(source, [lambda_record(m, arn) for m in batch])
        for message in batch:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                self._failed(source, url, message, reason)
        return len(batch)

    def _invoke(self, source: QueueSource, records: list[dict[str, Any]]) -> tuple[set[str], str]:
        """The ids of the messages to receive again, and why. As Lambda does: an error fails the whole batch; with
        ReportBatchItemFailures only the messages listed fail, and a listed id that is not in the batch fails it
        all."""
        ids = {r["messageId"] for r in records}
        try:
            answer = self.invoke(source.function, {"Records": records})
        except Exception as exc:
            return ids, repr(exc)
        if not source.report_item_failures:
            return set(), ""
        failures = {str(f.get("itemIdentifier")) for f in (answer or {}).get("batchItemFailures") or []}
        if failures - ids:
            return ids, f"batch item failures name messages not in the batch: {sorted(failures - ids)}"
        return failures, f"{len(failures)} batch item failures" if failures else ""

    def _failed(self, source: QueueSource, url: str, message: dict[str, Any], reason: str) -> None:
        received = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", 1))
        limit = source.max_receives or RETRIES_WITHOUT_REDRIVE
        if received < limit:
            log.warning("%s: message %s failed (receive %d of %d): %s", source.name, message["MessageId"], received,
                        limit, reason)
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                               VisibilityTimeout=0)
            return
        if source.dlq is None:
            log.error("%s: message %s failed %d times, left in the queue (no redrive policy): %s", source.name,
                      message["MessageId"], received, reason)
            return
        log.error("%s: message %s dead-lettered after %d receives: %s", source.name, message["MessageId"],
                  received, reason)
        self.sqs.send_message(QueueUrl=self._url(source.dlq), MessageBody=message["Body"],
                              MessageAttributes=message.get("MessageAttributes") or {})
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
