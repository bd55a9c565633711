"""The jobs' continuations as their functions receive them: the points clock's, an export's, an import's."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ..events import ExportRequested, ImportContinued, PointsClockContinued
from .triggers import BusEvent, instant


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
