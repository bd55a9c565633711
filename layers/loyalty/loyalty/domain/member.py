"""A member's state as the domain sees it, and the member view the API answers with."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from ..answers import Balance, ExpiringPoints, MemberView, NextTier
from . import challenges, tiers
from .challenges import ChallengeProgress
from .program import Program
from .wallet import Wallet


class MemberState(BaseModel):
    member_id: str
    tier: str
    referral_code: str
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
    version: int | None = None  # optimistic lock, owned by storage

    def qualifying(self, program: Program, today: date) -> int:
        return tiers.qualifying_total(self.qualifying_by_day, today, program.qualifying_window_days)

    def add_qualifying(self, program: Program, day: date, points: int, today: date) -> None:
        key = day.isoformat()
        self.qualifying_by_day[key] = self.qualifying_by_day.get(key, 0) + points
        self.qualifying_by_day = tiers.prune_qualifying(self.qualifying_by_day, today, program.qualifying_window_days)

    def view(self, program: Program, today: date) -> MemberView:
        qualifying = self.qualifying(program, today)
        nxt = tiers.next_tier(program, self.tier, qualifying)
        until = today + timedelta(days=program.expiring_soon_days)
        return MemberView(
            member_id=self.member_id, tier=self.tier, referral_code=self.referral_code,
            balance=Balance(available=self.wallet.available, pending=self.wallet.pending, lifetime=self.lifetime,
                            qualifying=qualifying),
            next_tier=None if nxt is None else NextTier(name=nxt[0], qualifying_needed=nxt[1]),
            expiring=[ExpiringPoints(date=d, points=p) for d, p in self.wallet.expiring(today, until)],
            segments=list(self.segments), birthday=self.birthday,
            tier_benefits=list(program.tier(self.tier).benefits),
            challenges=challenges.statuses(program, self.challenges, self.segments, today),
        )
