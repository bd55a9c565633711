"""The program admin's edit."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, StrictInt

from ...domain.program import Program
from .fields import Strict


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("the program document is a JSON object")
    return value


# documented as the program's schema, taken as any JSON object: the service validates it whole and answers every
# problem with its path (422 INVALID_PROGRAM), where the request's own validation would stop at INVALID_REQUEST
ProgramDocument = Annotated[dict[str, Any], PlainValidator(_json_object, json_schema_input_type=Program)]


class ProgramEdit(Strict):
    program: ProgramDocument
    revision: Annotated[StrictInt, Field(ge=1, le=10**9, description="the revision this document edits")]
