"""Typed models of the events that trigger the functions: schedules, bus rules and the Members table's stream.

AWS sends the full EventBridge envelope (version, id, source, account, region, resources...); SAM CLI's
`sam local generate-event cloudwatch scheduled-event` leaves `version` out, and a hand-made event may leave out
more. So each model requires only what a handler reads and ignores the rest. The details this service publishes
are parsed with the very models they were published with (loyalty.events), so a consumer takes what is sent."""
from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Json, TypeAdapter

from ..domain.figures import WriteFigures
from ..events import ExportRequested, ImportContinued, PointsAccrued, PointsClockContinued, ReferralQualified

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


class PointsAccruedEvent(BusEvent[PointsAccrued]):
    detail_type: Literal["PointsAccrued"] = Field(alias="detail-type")


class ReferralQualifiedEvent(BusEvent[ReferralQualified]):
    detail_type: Literal["ReferralQualified"] = Field(alias="detail-type")

    @property
    def qualified_at(self) -> datetime:
        """The referee's qualifying purchase: the bonus is dated then, not when the event was delivered."""
        return instant(self.detail.qualified_at)


class PointsClockContinuedEvent(BusEvent[PointsClockContinued]):
    detail_type: Literal["PointsClockContinued"] = Field(alias="detail-type")

    @property
    def run_time(self) -> datetime:
        """The interrupted run's time: the continuation runs as of it, not as of its own delivery."""
        return instant(self.detail.time)


class ExportRequestedEvent(BusEvent[ExportRequested]):
    detail_type: Literal["ExportRequested"] = Field(alias="detail-type")


class ImportContinuedEvent(BusEvent[ImportContinued]):
    detail_type: Literal["ImportContinued"] = Field(alias="detail-type")


class MemberWrite(TriggerModel):
    """A stream record's new image of a Members item that carries an outbox: the events of the write that
    produced `version` (their ids are <member_id>/<version>/<position>, so both are needed)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    member_id: str = Field(min_length=1)
    version: int  # a stream image's numbers are Decimals; an integral one is taken, a fraction refused
    outbox: str


class FiguresWrite(TriggerModel):
    """A stream record's new image of a Members item that carries figures (domain.figures.WriteFigures), as the
    analytics consumer counts it: once per member and version."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    member_id: str = Field(min_length=1)
    version: int
    figures: Json[WriteFigures]
