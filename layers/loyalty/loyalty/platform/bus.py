"""Events out, on the configured bus with source `loyalty`.

Events of a write are not published by the operation: they are written with it (the member item's outbox) and
published from the table's stream by AnnounceFunction, so a crash after the commit cannot lose them."""
from __future__ import annotations

import json
from collections.abc import Sequence

from ..events import Event, EventDetail, wire
from .clients import clients
from .observability import logger, metrics
from .settings import settings

SOURCE = "loyalty"
class EventsNotPublished(Exception):
    """Some entries were refused or the call failed: the caller retries (the stream redelivers the record)."""


def publish(events: Sequence[EventDetail]) -> None:
    """Publish events made now (notices, the clock's continuation), validated when they were built."""
    send([wire(e) for e in events])


def send(events: list[Event]) -> None:
    """Put documented events on the bus, 10 entries per PutEvents call; raise if any entry was not accepted."""
    entries = [{"Source": SOURCE, "DetailType": kind, "Detail": json.dumps(detail),
                "EventBusName": settings().event_bus_name} for kind, detail in events]
    failed = 0
    for i in range(0, len(entries), 10):
        batch = entries[i:i + 10]
        try:
            failed += int(clients().events.put_events(Entries=batch).get("FailedEntryCount", 0))
        except Exception:
            logger.exception("publishing events failed", extra={"events": [e["DetailType"] for e in batch]})
            failed += len(batch)
    if failed:
        metrics.add_metric(name="EventsNotPublished", unit="Count", value=failed)
        raise EventsNotPublished(f"{failed} of {len(entries)} events not published")
