"""DynamoDB Streams to Lambda, emulated: the template's `Type: DynamoDB` event sources, delivered synchronously.

Lambda polls a table's stream and invokes the function with batches of records. Here the records are taken from
the embedded moto (which keeps them on the table) when a request has finished, so that by the time a client gets
its answer the events of its writes have been delivered, and so have the writes those caused. Each record is
taken once: delivered, retried, or dead-lettered, then dropped from moto's shard (as the stream's retention would
drop it).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.events.models import EventPattern

from .atomic_moto import MOTO_LOCK
from .template import ACCOUNT, REGION, StreamSource

log = logging.getLogger("local.streams")

RETRIES = 2
Invoke = Callable[[str, dict[str, Any]], Any]
DeadLetter = Callable[[StreamSource, list[dict[str, Any]], str], None]
_local = threading.local()


def delivering() -> bool:
    """Whether this thread is delivering stream records (the consumers' requests, not the operation's)."""
    return bool(getattr(_local, "settling", False))


def take_records(table_name: str) -> list[dict[str, Any]]:
    """Every record moto holds for the table's stream, as Lambda receives them; moto's shard is emptied."""
    with MOTO_LOCK:
        table = dynamodb_backends[ACCOUNT][REGION].tables.get(table_name)
        shard = getattr(table, "stream_shard", None)
        if shard is None or not shard.items:
            return []
        raw = [r.to_json() for r in shard.items]
        # moto numbers a record by its place in the shard: moving the start keeps the numbers rising, as a stream's do
        shard.starting_sequence_number += len(shard.items)
        shard.items = []
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table_name}/stream/{shard.created_on.isoformat()}"
    return [{**json.loads(json.dumps(r, default=_as_lambda_sends)), "eventSourceARN": arn} for r in raw]


def _as_lambda_sends(value: Any) -> float | str:
    """A record's times as epoch seconds and its binary values in base64, as Lambda's stream events have them."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class StreamPump:
    def __init__(self, sources: list[StreamSource], table_name: Callable[[str], str], invoke: Invoke,
                 dead_letter: DeadLetter | None = None) -> None:
        self.sources = sources
        self.table_name = table_name
        self.invoke = invoke
        self.dead_letter = dead_letter
        # FilterCriteria use EventBridge's pattern syntax: moto's matcher serves both
        self._filters = {s.name: [EventPattern.load(f) for f in s.filters] for s in sources}
        self._lock = threading.Lock()

    def settle(self) -> int:
        """Deliver every record written so far, and those the deliveries write, until none is left; the number
        of records delivered. A call from inside a delivery returns at once: the loop already running takes its
        records. Concurrent callers wait for the loop, so each returns with its own writes delivered."""
        if not self.sources or getattr(_local, "settling", False):
            return 0
        _local.settling = True
        try:
            with self._lock:
                delivered = 0
                while taken := self._take_all():
                    for source, records in taken:
                        self._deliver(source, records)
                        delivered += len(records)
                return delivered
        finally:
            _local.settling = False

    def _take_all(self) -> list[tuple[StreamSource, list[dict[str, Any]]]]:
        taken = []
        for table in dict.fromkeys(s.table for s in self.sources):
            records = take_records(self.table_name(table))
            for source in (s for s in self.sources if s.table == table):
                filters = self._filters[source.name]
                # moto types its argument as an event message, but matches any JSON object the same way
                chosen = [r for r in records if not filters or any(f.matches_event(r) for f in filters)]  # type: ignore[arg-type]
                if chosen:
                    taken.append((source, chosen))
        return taken

    def _deliver(self, source: StreamSource, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), source.batch_size):
            batch = records[start:start + source.batch_size]
            for attempt in range(1 + RETRIES):
                batch, reason = self._invoke(source, batch)
                if not batch:
                    break
                log.warning("%s: attempt %d of %d: %d records not processed: %s", source.name, attempt + 1,
                            1 + RETRIES, len(batch), reason)
            if batch:
                log.error("%s: %d records dead-lettered: %s", source.name, len(batch), reason)
                if self.dead_letter:
                    self.dead_letter(source, batch, reason)

    def _invoke(self, source: StreamSource, batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        """The records still to process (from the first failure on, as Lambda retries) and why."""
        try:
            answer = self.invoke(source.function, {"Records": batch})
        except Exception as exc:  # the whole batch failed
            return batch, repr(exc)
        failures = (answer or {}).get("batchItemFailures") if source.report_item_failures else None
        if not failures:
            return [], ""
        failed = {str(f.get("itemIdentifier")) for f in failures}
        first = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), 0)
        return batch[first:], f"{len(failed)} batch item failures"
