"""Reads every operation starts with."""
from __future__ import annotations

from datetime import UTC, datetime

from ..domain.errors import ErrorCode, NotFound
from ..domain.member import MemberState
from ..storage import repository


def utcnow() -> datetime:
    return datetime.now(UTC)


def member_or_404(member_id: str) -> MemberState:
    member = repository.get_member(member_id)
    if member is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, f"no member {member_id}")
    return member
