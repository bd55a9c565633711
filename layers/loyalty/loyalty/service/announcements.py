"""Announce committed changes: each member write carries its events (the outbox); the stream hands them here."""
from __future__ import annotations

from ..events import from_outbox
from ..platform import bus


def announce(outbox: str | None) -> int:
    """Publish the events one write stored; raise if the bus did not take them all (the record is redelivered).
    Delivery is at least once: a redelivered record publishes its events again."""
    if not outbox:
        return 0
    events = from_outbox(outbox)
    bus.publish(events)
    return len(events)
