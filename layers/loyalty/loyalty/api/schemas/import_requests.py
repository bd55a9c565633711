"""Imports: a call's members and an uploaded file's lines."""
from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, StrictStr, ValidationError, model_validator

from ...domain.errors import ErrorCode, InvalidRequest
from ...domain.imports import ImportedLot, ImportedMember
from .fields import Id, Points, Strict
from .member_requests import MAX_SEGMENTS, Birthday

MAX_IMPORT_MEMBERS = 1000  # a call; larger files go through an upload
MAX_IMPORT_LOTS = 1000  # a member; more than fit one transaction are merged by expiry date


class ImportLotRequest(Strict):
    points: Points
    earned_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="its date is the lot's expiry date (the points clock's day)")


class ImportMemberRequest(Strict):
    member_id: Id
    tier: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a tier of the program; omitted: the first")
    segments: Annotated[list[Id], Field(max_length=MAX_SEGMENTS)] = Field([])
    birthday: Birthday | None = None
    lots: Annotated[list[ImportLotRequest], Field(max_length=MAX_IMPORT_LOTS)] = Field([])

    @model_validator(mode="after")
    def _segments_once(self) -> ImportMemberRequest:
        if len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat")
        return self

    def imported(self) -> ImportedMember:
        return ImportedMember(self.member_id, tuple(ImportedLot(x.points, x.earned_at, x.expires_at) for x in self.lots),
                              self.tier, tuple(self.segments), self.birthday)


class ImportRequest(Strict):
    import_id: Id
    members: Annotated[list[ImportMemberRequest], Field(min_length=1, max_length=MAX_IMPORT_MEMBERS)]

    @model_validator(mode="after")
    def _members_once(self) -> ImportRequest:
        if len({m.member_id for m in self.members}) != len(self.members):
            raise ValueError("a member_id appears twice")
        return self


class ImportUploadRequest(Strict):
    import_id: Id


def member_of_line(line: bytes) -> ImportedMember:
    """A line of an uploaded file: one member as POST /v1/admin/imports takes it, or InvalidRequest."""
    try:
        return ImportMemberRequest.model_validate_json(line).imported()
    except ValidationError as err:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in err.errors())
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, where[:1000]) from None
