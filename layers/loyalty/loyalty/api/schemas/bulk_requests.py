"""Bulk credits and their queue messages."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from ...domain.bulk_credit import CHUNK, MAX_MEMBERS, BulkCreditCommand
from .fields import Id, Points, Strict


class BulkCreditRequest(Strict):
    """POST /v1/admin/bulk-credits: `member_ids` or `segment`, exactly one."""

    credit_id: Id
    points: Points
    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_MEMBERS)] | None = None
    segment: Id | None = None

    @model_validator(mode="after")
    def _one_audience(self) -> BulkCreditRequest:
        if (self.member_ids is None) == (self.segment is None):
            raise ValueError("send member_ids or segment, exactly one")
        return self

    def command(self) -> BulkCreditCommand:
        return BulkCreditCommand(self.credit_id, self.points, self.reason,
                                 None if self.member_ids is None else tuple(self.member_ids), self.segment)


class MembersChunk(Strict):
    """A queue message of a bulk credit: credit these members."""

    kind: Literal["members"]
    credit_id: Id
    fingerprint: StrictStr
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=CHUNK)]


class SegmentPage(Strict):
    """A queue message of a bulk credit: find the segment's members from page `page`, which starts after
    `start` (a member id; None: the first page)."""

    kind: Literal["segment"]
    credit_id: Id
    fingerprint: StrictStr
    page: Annotated[StrictInt, Field(ge=0)]
    start: Id | None = None


BulkCreditWork = Annotated[MembersChunk | SegmentPage, Field(discriminator="kind")]
