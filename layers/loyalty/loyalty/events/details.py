"""The base of every published detail and of its nested objects."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    """A nested object of a detail."""

    # built on first use: a function builds the events it publishes, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class EventDetail(_Part):
    """A published detail: its detail-type is the class name."""

    event_id: str | None = Field(default=None, description=(
        "the same on every delivery of this event (the bus delivers at least once): dedupe on it; "
        "<member_id>/<version of the member write that caused it>/<position>, or "
        "<member_id>/expiring-soon/<day> for the weekly notice"))
