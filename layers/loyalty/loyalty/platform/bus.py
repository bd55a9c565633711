"""Events out, on the configured bus with source `loyalty`."""
from __future__ import annotations

from typing import Any

import boto3

from ..events import EVENTS
from .observability import logger, metrics
from .settings import settings

SOURCE = "loyalty"
_client: Any = None


def _events() -> Any:
    global _client
    if _client is None:  # one client per container
        _client = boto3.client("events", region_name=settings().region)
    return _client


def publish(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Publish after the write committed. A failure is logged and counted, never undoes the write.
    Every detail is checked against its documented model first: an undocumented event is a bug."""
    entries = [{"Source": SOURCE, "DetailType": kind,
                "Detail": EVENTS[kind].model_validate(detail).model_dump_json(by_alias=True),
                "EventBusName": settings().event_bus_name} for kind, detail in events]
    for i in range(0, len(entries), 10):
        batch = entries[i:i + 10]
        try:
            result = _events().put_events(Entries=batch)
            failed = int(result.get("FailedEntryCount", 0))
        except Exception:
            logger.exception("publishing events failed", extra={"events": [e["DetailType"] for e in batch]})
            failed = len(batch)
        if failed:
            metrics.add_metric(name="EventsNotPublished", unit="Count", value=failed)
