"""The request models' base and the field types they share: strict types, bounded sizes."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr

Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
AmountMinor = Annotated[StrictInt, Field(ge=1, le=10**11)]
Points = Annotated[StrictInt, Field(ge=1, le=10**9)]
Currency = Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217; must earn in the program")]
Channel = Literal["online", "store", "app"]


class Strict(BaseModel):
    # built on first use: a function builds the requests it takes, not all of them at import (cold start)
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _day(value: Any) -> Any:
    """Only the text YYYY-MM-DD of a real day (pydantic's own date would take a number too)."""
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise ValueError("a day is YYYY-MM-DD")
    return date.fromisoformat(value)  # a day that does not exist (2026-02-30) is a ValueError: 422


Day = Annotated[date, BeforeValidator(_day), Field(description="YYYY-MM-DD (UTC)")]
