"""Exports."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from .fields import Day, Strict


class ExportRequest(Strict):
    """POST /v1/admin/exports: the whole ledger or the days from..to (both included, UTC), or a members snapshot."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["ledger", "members"]
    from_: Day | None = Field(None, alias="from", description="first day of ledger entries; omitted: the first")
    to: Day | None = Field(None, description="last day of ledger entries, included; omitted: the last")

    @model_validator(mode="after")
    def _range(self) -> ExportRequest:
        if self.kind == "members" and (self.from_ or self.to):
            raise ValueError("from/to select ledger entries; a members export is a snapshot of every member")
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from is after to")
        return self
