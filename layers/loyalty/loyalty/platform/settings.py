"""The environment of a function, parsed once per container. Every variable the template sets is required: a
function deployed without one fails at its first import, saying which, instead of running against a default.
The local run and the tests set them as the template does."""
from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    members_table: str = Field(alias="MEMBERS_TABLE", min_length=1)
    ledger_table: str = Field(alias="LEDGER_TABLE", min_length=1)
    program_table: str = Field(alias="PROGRAM_TABLE", min_length=1)
    analytics_table: str = Field(alias="ANALYTICS_TABLE", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    # how old the copy of the program may get before a container looks at the store's head again
    program_cache_seconds: float = Field(alias="PROGRAM_CACHE_SECONDS", ge=0)
    # ImportFunction's own: the table of import runs (checkpoints, refusals) and the bucket of uploaded files
    imports_table: str | None = Field(None, alias="IMPORTS_TABLE", min_length=1)
    imports_bucket: str | None = Field(None, alias="IMPORTS_BUCKET", min_length=1)
    region: str = Field(alias="AWS_REGION", min_length=1)  # Lambda always sets it
    dynamodb_endpoint: str | None = Field(None, alias="AWS_ENDPOINT_URL_DYNAMODB")  # the local run's moto only


class MissingSettings(RuntimeError):
    pass


class ExportSettings(BaseModel):
    """What only ExportFunction is given (its own Environment in the template)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    exports_bucket: str = Field(alias="EXPORTS_BUCKET", min_length=1)


@cache
def settings() -> Settings:
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as err:
        missing = ", ".join(str(e["loc"][0]) for e in err.errors())
        raise MissingSettings(f"the function's environment lacks or has empty: {missing}") from None


@cache
def export_settings() -> ExportSettings:
    try:
        return ExportSettings.model_validate(dict(os.environ))
    except ValidationError:
        raise MissingSettings("the function's environment lacks or has empty: EXPORTS_BUCKET") from None
