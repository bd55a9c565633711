"""A member enrolled, imported, blocked, unblocked or erased."""
from __future__ import annotations

from pydantic import Field

from .details import EventDetail


class MemberEnrolled(EventDetail):
    member_id: str
    tier: str
    referred_by: str | None
    points: int = Field(description="welcome bonus")


class MemberImported(EventDetail):
    member_id: str
    tier: str
    import_id: str
    points: int = Field(description="the imported lots' points, available at once and not qualifying")
    lots: int = Field(description="lots taken (beyond 90, lots sharing an expiry date are merged)")


class MemberBlocked(EventDetail):
    member_id: str
    reason: str


class MemberUnblocked(EventDetail):
    member_id: str
    reason: str


class MemberErased(EventDetail):
    """The profile (birthday, segments, referral code) is gone and the member is blocked for good; its ledger
    stays. Consumers holding a copy of the profile erase it too."""

    member_id: str
