"""Enrollment and the reads of a member."""
from __future__ import annotations

import secrets
from datetime import datetime

from .. import answers  # read as each operation answers: ImportFunction uses this module for its referral codes
from ..domain import enrollment, profile
from ..domain.errors import BusinessRuleRefused, ErrorCode, NotFound
from ..domain.ledger import Posting
from ..platform.program_source import current_program
from ..storage import repository
from ..storage.conflicts import ConcurrentChange, KeyAlreadyUsed
from .common import member_or_404
from .execution import write_unkeyed

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_referral_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def enroll(member_id: str, referral_code: str | None, now: datetime) -> answers.MemberView:
    program = current_program()
    referrer_id = None
    if referral_code:
        referrer_id = repository.member_id_by_referral_code(referral_code)
        if referrer_id is None:
            raise NotFound(ErrorCode.REFERRAL_CODE_NOT_FOUND, f"no member has referral code {referral_code}")
    if repository.get_member(member_id) is not None:
        raise BusinessRuleRefused(ErrorCode.ALREADY_ENROLLED, f"{member_id} is already enrolled")
    posting = enrollment.enroll(program, member_id, new_referral_code(), referrer_id, now)
    try:
        repository.commit(posting)
    except (ConcurrentChange, KeyAlreadyUsed) as err:  # a concurrent enrollment of the same id won
        raise BusinessRuleRefused(ErrorCode.ALREADY_ENROLLED, f"{member_id} is already enrolled") from err
    assert isinstance(posting.response, answers.MemberView)
    return posting.response


def view(member_id: str, now: datetime) -> answers.MemberView:
    return member_or_404(member_id).view(current_program(), now.date())


def history(member_id: str, limit: int, cursor: str | None) -> answers.HistoryPage:
    member_or_404(member_id)
    entries, next_cursor = repository.history(member_id, limit, cursor)
    return answers.HistoryPage(items=[answers.HistoryItem.of(e) for e in entries], next_cursor=next_cursor)


def update_profile(member_id: str, change: profile.ProfileChange, by_member: bool, now: datetime) -> answers.MemberView:
    """One conditional write of the member item (its version), retried on contention; nothing to change writes
    nothing."""
    def build(attempt: int) -> Posting:
        return profile.update_profile(current_program(), member_or_404(member_id), change, by_member, now)

    posting = write_unkeyed(build)
    assert isinstance(posting.response, answers.MemberView)
    return posting.response
