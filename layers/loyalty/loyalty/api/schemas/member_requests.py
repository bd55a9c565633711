"""Enrolment, the member's profile, blocking and unblocking."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictStr, model_validator

from ...domain.profile import ProfileChange, valid_birthday
from .fields import Id, Strict


def _real_day(value: str) -> str:
    if not valid_birthday(value):
        raise ValueError("birthday must be a calendar day as MM-DD (02-29 included)")
    return value


Birthday = Annotated[StrictStr, Field(min_length=5, max_length=5, pattern=r"^[0-9]{2}-[0-9]{2}$",
                                      description="MM-DD, a real calendar day; 02-29 is allowed"),
                     AfterValidator(_real_day)]


MAX_SEGMENTS = 20


class ProfileRequest(Strict):
    """PATCH /v1/members/{id}: what is sent changes, what is omitted stays. `birthday: null` clears it (a service
    or an admin only); `segments` replaces the member's segments (a service or an admin only)."""

    birthday: Birthday | None = None
    segments: Annotated[list[Id], Field(max_length=MAX_SEGMENTS)] | None = None

    @model_validator(mode="after")
    def _something(self) -> ProfileRequest:
        if not self.model_fields_set:
            raise ValueError("send birthday and/or segments")
        if self.segments is not None and len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat")
        if "segments" in self.model_fields_set and self.segments is None:
            raise ValueError("segments: send a list ([] removes every segment)")
        return self

    def change(self) -> ProfileChange:
        return ProfileChange(birthday=self.birthday, clear_birthday="birthday" in self.model_fields_set
                             and self.birthday is None,
                             segments=None if self.segments is None else tuple(self.segments))


class EnrollRequest(Strict):
    member_id: Id
    referral_code: Annotated[StrictStr, Field(min_length=4, max_length=16, pattern=r"^[A-Z0-9]+$")] | None = None


class StatusChangeRequest(Strict):
    """POST /v1/admin/members/{member_id}/block and .../unblock."""

    reason: Annotated[StrictStr, Field(min_length=1, max_length=256)]
