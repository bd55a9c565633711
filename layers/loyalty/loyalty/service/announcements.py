"""Announce committed changes: each member write carries its events (the outbox); the stream hands them here."""
from __future__ import annotations

from ..events import from_outbox
from ..platform import bus


def announce(member_id: str, version: int, outbox: str | None) -> int:
    """Publish the events that the write producing `version` of the member stored; raise if the bus did not take
    them all (the record is redelivered). A redelivered record publishes its events again, with the same ids."""
    if not outbox:
        return 0
    events = from_outbox(outbox, member_id, version)
    bus.send(events)  # documented when the write stored them
    return len(events)
