"""The Members table's stream images as their consumers read them: a write's outbox (AnnounceFunction) and its
figures (AnalyticsFunction)."""
from __future__ import annotations

from pydantic import ConfigDict, Field, Json

from ..domain.figures import WriteFigures
from .triggers import TriggerModel


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
