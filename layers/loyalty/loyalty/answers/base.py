"""The base of every answer."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    # built on first use: a function builds the few answers it sends, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", defer_build=True)
