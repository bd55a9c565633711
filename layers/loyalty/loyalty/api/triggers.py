"""Typed models of the events that trigger the functions: schedules, bus rules and the Members table's stream.

AWS sends the full EventBridge envelope (version, id, source, account, region, resources...); SAM CLI's
`sam local generate-event cloudwatch scheduled-event` leaves `version` out, and a hand-made event may leave out
more. So each model requires only what a handler reads and ignores the rest. The details this service publishes
are parsed with the very models they were published with (loyalty.events), so a consumer takes what is sent.

Here the schedules' events and the bus envelope; the bus events of each kind of detail and the stream images are
modules of their own (payment_events, earning_triggers, job_triggers, stream_images), so that a function defines
the triggers it takes and the events they carry, not all of them, at its cold start."""
from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

DetailT = TypeVar("DetailT", bound=BaseModel)
_INSTANT: TypeAdapter[datetime] = TypeAdapter(AwareDatetime, config=ConfigDict(defer_build=True))


class TriggerModel(BaseModel):
    # built on first use: a function parses the one or two triggers it takes, not all of them at import (cold start)
    model_config = ConfigDict(defer_build=True)


def instant(text: str) -> datetime:
    """An ISO 8601 time of a detail (published by iso()); one without a zone is refused, not taken as local."""
    return _INSTANT.validate_python(text)


class ScheduledEvent(TriggerModel):
    """A Schedule rule's event, for a function nothing else triggers: its `time` is the run's "now"."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    time: AwareDatetime = Field(description="when the schedule fired (or the day a re-run catches up on)")


class ScheduledRun(ScheduledEvent):
    """A Schedule rule's event, for a function that bus events reach too: the detail-type tells them apart (AWS
    and SAM CLI both send "Scheduled Event"; any other type is refused rather than taken for a run)."""

    model_config = ConfigDict(populate_by_name=True)
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")


class BusEvent(TriggerModel, Generic[DetailT]):
    """An event delivered by a bus rule: what it is, when the bus took it, and its detail."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    detail_type: str = Field(alias="detail-type")
    time: AwareDatetime
    detail: DetailT
