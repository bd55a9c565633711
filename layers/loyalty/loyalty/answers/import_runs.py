"""What an import answers."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Answer
from .refusals import Refusal


class ImportResult(Answer):
    member_id: str
    status: Literal["imported", "replayed", "refused"] = Field(description=(
        "imported now; replayed: this import had imported the member already (nothing changed); refused: see error"))
    error: Refusal | None = Field(None, description="why the member was refused (nothing of it was written)")


class ImportAnswer(Answer):
    import_id: str
    results: list[ImportResult] = Field(description="one per member sent, in the order sent")


class ImportUpload(Answer):
    import_id: str
    upload_url: str = Field(description="a presigned S3 PUT of the file: JSON Lines, one member a line")
    expires_in: int = Field(description="seconds the URL stays valid")


class ImportCounts(Answer):
    imported: int
    replayed: int
    refused: int


class ImportStatus(Answer):
    """An uploaded import's progress (a page of lines at a time, from its checkpoint)."""

    import_id: str
    status: Literal["running", "done", "failed"]
    lines: int = Field(description="lines of the file processed so far")
    bytes_read: int = Field(description="bytes of the file processed so far (where the next page starts)")
    size: int = Field(description="bytes in the file")
    counts: ImportCounts
    started_at: str
    finished_at: str | None
    error: str | None = Field(description="why a failed import stopped (the file was replaced, a line too long)")


class ImportRefusal(Answer):
    line: int = Field(description="the member's line in the file (from 1)")
    member_id: str | None = Field(description="null when the line is not a member")
    error: Refusal


class ImportRefusalsPage(Answer):
    items: list[ImportRefusal]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null on the last")
