"""Enrollment: a new member with the welcome bonus and, optionally, the member who referred it."""
from __future__ import annotations

from datetime import datetime

from ..events import MemberEnrolled
from .crediting import bonus_lot
from .errors import BusinessRuleRefused, ErrorCode
from .ledger import LedgerEntry, Posting, entry_key
from .member import MemberState
from .program import Program


def enroll(program: Program, member_id: str, referral_code: str, referrer_id: str | None, now: datetime) -> Posting:
    if referrer_id == member_id:
        raise BusinessRuleRefused(ErrorCode.SELF_REFERRAL, "a member cannot refer itself")
    member = MemberState(member_id=member_id, tier=program.tiers[0].name, referral_code=referral_code,
                         enrolled_at=now, referred_by=referrer_id)
    key = entry_key("welcome", member_id)
    lot = bonus_lot(program, member, key, "welcome", program.welcome_points, now, qualifying=False)
    posting = Posting(members=[member], new_lots=[lot])
    posting.entries.append(LedgerEntry(member_id, key, "accrual", program.welcome_points, now, "welcome",
                                       detail={"kind": "welcome"}))
    posting.count("issued", program.welcome_points)
    posting.count(f"tier:{member.tier}", 1)
    posting.count("members", 1)
    posting.events.append(MemberEnrolled(member_id=member_id, tier=member.tier, referred_by=referrer_id,
                                         points=program.welcome_points))
    posting.response = member.view(program, now.date())
    return posting
