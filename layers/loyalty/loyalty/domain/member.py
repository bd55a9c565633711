"""A member's state as the domain sees it, and the member view the API answers with."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from .. import answers
from . import challenges, tiers
from .challenges import ChallengeProgress
from .errors import BusinessRuleRefused, ErrorCode
from .program import Program
from .wallet import Wallet

Status = Literal["active", "blocked"]
# What an operation does to the member it names: "send" and "receive" are the two ends of a transfer.
Operation = Literal["earn", "redeem", "send", "receive", "profile", "unblock"]

# The one place that says what a blocked member cannot do. Earning covers every credit: accruals (purchases,
# activities, receipts, PaymentCaptured) with their challenge bonuses, the referral and birthday bonuses, tier
# upgrades (they pay entry bonuses) and admin or bulk credits. Everything else still applies to it: reads and its
# export, reversals (a refund claws its points back), the points clock (pending points are released, points
# expire), tier reviews, the cancellation of its redemptions and admin debits. An erased member is blocked for
# good and its profile stays empty.
REFUSED_WHEN_BLOCKED: dict[str, str] = {"earn": "earn points", "redeem": "redeem", "send": "transfer points",
                                        "receive": "receive a transfer"}
REFUSED_WHEN_ERASED: dict[str, str] = {**REFUSED_WHEN_BLOCKED, "profile": "have its profile set again",
                                       "unblock": "be unblocked (it was erased)"}


class MemberState(BaseModel):
    member_id: str
    tier: str
    referral_code: str | None  # None once erased: the code no longer resolves
    enrolled_at: datetime
    referred_by: str | None = None
    referral_paid: bool = False  # the referrer's bonus, paid at this member's first purchase
    wallet: Wallet = Wallet()
    lifetime: int = 0
    qualifying_by_day: dict[str, int] = {}
    activity_dates: dict[str, list[str]] = {}
    challenges: dict[str, ChallengeProgress] = {}  # progress of the live challenges (domain.challenges)
    review_on: str | None = None  # next tier review date (ISO)
    segments: list[str] = []
    # profile and bonuses (Step 5 members): the birthday as MM-DD, the last year its bonus was credited, the tiers
    # ever reached above the first (each pays its entry bonus once)
    birthday: str | None = None
    birthday_credited_year: int | None = None
    tiers_reached: list[str] = []
    has_purchased: bool = False  # a purchase was accrued: `first_purchase` promotions no longer apply
    promotion_uses: dict[str, int] = {}  # times it got each promotion with a per-member limit (live ones only)
    # blocking and erasure (Step 6): a blocked member keeps its points and ledger but cannot earn or spend them
    status: Status = "active"
    blocked_reason: str | None = None
    blocked_at: datetime | None = None
    erased_at: datetime | None = None
    active_on: str | None = None  # the last day it earned, redeemed or transferred points (domain.figures)
    version: int | None = None  # optimistic lock, owned by storage

    def may(self, operation: Operation) -> bool:
        if self.erased_at is not None:
            return operation not in REFUSED_WHEN_ERASED
        return self.status == "active" or operation not in REFUSED_WHEN_BLOCKED

    def ensure_may(self, operation: Operation) -> None:
        """The guard of every operation a block refuses: 409 MEMBER_BLOCKED."""
        if not self.may(operation):
            what = REFUSED_WHEN_ERASED[operation]
            raise BusinessRuleRefused(ErrorCode.MEMBER_BLOCKED, f"member {self.member_id} is blocked: it cannot {what}")

    def qualifying(self, program: Program, today: date) -> int:
        return tiers.qualifying_total(self.qualifying_by_day, today, program.qualifying_window_days)

    def add_qualifying(self, program: Program, day: date, points: int, today: date) -> None:
        key = day.isoformat()
        self.qualifying_by_day[key] = self.qualifying_by_day.get(key, 0) + points
        self.qualifying_by_day = tiers.prune_qualifying(self.qualifying_by_day, today, program.qualifying_window_days)

    def view(self, program: Program, today: date) -> answers.MemberView:
        qualifying = self.qualifying(program, today)
        nxt = tiers.next_tier(program, self.tier, qualifying)
        until = today + timedelta(days=program.expiring_soon_days)
        return answers.MemberView(
            member_id=self.member_id, tier=self.tier, referral_code=self.referral_code,
            balance=answers.Balance(available=self.wallet.available, pending=self.wallet.pending, lifetime=self.lifetime,
                                    qualifying=qualifying),
            next_tier=None if nxt is None else answers.NextTier(name=nxt[0], qualifying_needed=nxt[1]),
            expiring=[answers.ExpiringPoints(date=d, points=p) for d, p in self.wallet.expiring(today, until)],
            segments=list(self.segments), birthday=self.birthday,
            tier_benefits=list(program.tier(self.tier).benefits),
            challenges=challenges.statuses(program, self.challenges, self.segments, today),
            status=self.status,
        )
