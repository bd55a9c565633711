"""The error shapes: ours and API Gateway's own."""
from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from ..domain.errors import ErrorCode
from .base import Answer


class ErrorPlace(Answer):
    path: str = Field(description="where in the program document: keys and list positions (from 0), dot-separated")
    message: str


class ErrorDetail(Answer):
    code: ErrorCode
    message: str
    details: list[ErrorPlace] | SkipJsonSchema[None] = Field(
        None, description="INVALID_PROGRAM only (absent otherwise): every problem found, at most 100")


class ErrorAnswer(Answer):
    """Every error the functions answer: {"error": {"code", "message"}}."""

    error: ErrorDetail


class GatewayMessage(Answer):
    """What API Gateway itself answers (the JWT authorizer's 401, an unknown route's 404, its throttling 429)."""

    message: str


class Refusal(Answer):
    code: ErrorCode
    message: str
