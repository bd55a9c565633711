"""Environment of a function, read once per container."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    members_table: str
    ledger_table: str
    lots_table: str
    program_table: str
    event_bus_name: str
    program_parameter: str
    region: str
    dynamodb_endpoint: str | None


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        members_table=env.get("MEMBERS_TABLE", "MembersTable"),
        ledger_table=env.get("LEDGER_TABLE", "LedgerTable"),
        lots_table=env.get("LOTS_TABLE", "LotsTable"),
        program_table=env.get("PROGRAM_TABLE", "ProgramTable"),
        event_bus_name=env.get("EVENT_BUS_NAME", "LoyaltyBus"),
        program_parameter=env.get("PROGRAM_PARAMETER", "/loyalty/local/program"),
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        dynamodb_endpoint=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None,
    )
