"""The jobs' own continuations: a run that stops short of its time limit hands the rest on through the bus."""
from __future__ import annotations

from pydantic import Field

from .details import EventDetail


class ImportContinued(EventDetail):
    import_id: str = Field(description="the uploaded import to go on with, from its checkpoint")


class PointsClockContinued(EventDetail):
    time: str = Field(description="the interrupted run's time; the continuation runs as of it")


class ExportRequested(EventDetail):
    """Hands an export job's work to ExportFunction: sent when the job is created and whenever a run stops short
    of the time limit (the next invocation continues from what the job item records)."""

    export_id: str
    run: str = Field(description="the job's run; an event of an earlier run of the same job is ignored")
