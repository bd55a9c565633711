"""Blocking, unblocking and erasure of a member. Each is a change of the member item alone (its version guards
it) that a repeat finds already made: an empty posting, the same answer, no second event."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..events import EventDetail, MemberBlocked, MemberErased, MemberUnblocked
from .ledger import Posting
from .member import MemberState
from .program import Program


def block(program: Program, member: MemberState, reason: str, now: datetime) -> Posting:
    """Block a member (what that refuses: `MemberState.may`). Blocking a blocked member keeps its first reason."""
    if member.status == "blocked":
        return _unchanged(program, member, now)
    member.status, member.blocked_reason, member.blocked_at = "blocked", reason, now
    return _changed(program, member, MemberBlocked(member_id=member.member_id, reason=reason), now)


def unblock(program: Program, member: MemberState, reason: str, now: datetime) -> Posting:
    """Unblock a member; an erased member stays blocked (409 MEMBER_BLOCKED)."""
    member.ensure_may("unblock")
    if member.status == "active":
        return _unchanged(program, member, now)
    member.status, member.blocked_reason, member.blocked_at = "active", None, None
    return _changed(program, member, MemberUnblocked(member_id=member.member_id, reason=reason), now)


def _changed(program: Program, member: MemberState, event: EventDetail, now: datetime) -> Posting:
    """A standing change: the member item and its event, answered with the view."""
    return Posting(members=[member], events=[event], response=member.view(program, now.date()))


def _unchanged(program: Program, member: MemberState, now: datetime) -> Posting:
    """A repeat: nothing written, nothing announced, the same view."""
    return Posting(response=member.view(program, now.date()))


def erase(program: Program, member: MemberState, now: datetime) -> Posting:
    """Forget the profile and what only earning needs (who referred it, activity dates, challenge progress,
    promotion uses), and block the member for good. Its balance, lots and ledger stay: the liability is unchanged,
    reversals still claw back and its points still expire."""
    posting = Posting()
    if member.erased_at is None:
        member.birthday, member.segments, member.referral_code, member.referred_by = None, [], None, None
        member.activity_dates, member.challenges, member.promotion_uses = {}, {}, {}
        member.status, member.blocked_reason, member.erased_at = "blocked", "erased", now
        member.blocked_at = member.blocked_at or now
        posting.members = [member]
        posting.events.append(MemberErased(member_id=member.member_id))
    posting.response = member.view(program, now.date())
    return posting


ERASED_PROFILE: dict[str, Any] = {"birthday": None, "segments": [], "referral_code": None}


def redacted(member_id: str, answer: Any) -> Any:
    """A stored answer (kept for replays) without the erased member's profile: every copy of its view inside has
    the profile emptied; the figures stay, so a replay still answers them."""
    if isinstance(answer, list):
        return [redacted(member_id, part) for part in answer]
    if not isinstance(answer, dict):
        return answer
    parts = {key: redacted(member_id, part) for key, part in answer.items()}
    if parts.get("member_id") == member_id:
        parts.update({key: empty for key, empty in ERASED_PROFILE.items() if key in parts})
    return parts
