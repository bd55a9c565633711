"""An independent model of the program for the ledger state machine: members as plain dicts of points per expiry
date, written from DESIGN.md (it imports nothing from the product)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from math import floor

MINOR_PER_POINT = {"USD": 100, "EUR": 100, "CNY": 700}
CATEGORY = {"private-label": Fraction(3), "promo": Fraction(2)}
TIERS = [("Member", 0, Fraction(1)), ("Silver", 2000, Fraction(5, 4)), ("Gold", 5000, Fraction(3, 2)),
         ("Platinum", 15000, Fraction(2))]
ENTRY_BONUS = {"Silver": 200, "Gold": 500, "Platinum": 1500}  # once ever per tier first reached; not qualifying
ACTIVITIES = {"review": (50, 5, 30), "checkin": (5, 1, 1), "profile_completed": (200, 1, None),
              "social_share": (20, 3, 7)}  # points, at most, per window of days (None: ever)
REWARDS = {"coffee": (500, None, None, True), "five-off": (1000, None, None, True),
           "charity-100": (100, None, None, False), "miles-500": (1000, None, None, True),
           "cashback-10": (2000, None, None, True), "lounge": (8000, "Gold", 10, True)}  # cost, min tier, stock, code
# a challenge in the program: 3 purchases in a calendar month (of the purchase's date) earn a bonus once that month,
# available at once and not qualifying
CHALLENGE = {"challenge_id": "three-a-month", "name": "Three purchases a month", "starts_at": "2031-01-01T00:00:00Z",
             "ends_at": "2040-01-01T00:00:00Z", "goal": {"purchases": 3}, "window": "calendar_month",
             "bonus_points": 150}
CHALLENGE_TARGET, CHALLENGE_BONUS = 3, 150
WELCOME, REFERRAL, PENDING_DAYS, EXPIRY_DAYS, WINDOW_DAYS, REVIEW_DAYS, SOON_DAYS = 100, 500, 14, 365, 365, 365, 30


def tier_index(name: str) -> int:
    return [t[0] for t in TIERS].index(name)


def earned_tier(qualifying: int) -> int:
    return max(i for i, (_, need, _) in enumerate(TIERS) if need <= qualifying)


# the promotions the state machine's program adds (both on the sku PROMO_SKU, always live): a x2 multiplier with a
# budget of 5 000 points (one slice), and a bonus of 7 000, twice per member, from a budget of 20 000 points split in
# whole bonuses over two slices (one slice per 10 000 points; 6 000 points can never be given)
PROMO_SKU = "PROMO"
DOUBLE, BONUS = "sku-double", "sku-bonus"
BONUS_POINTS, BONUS_LIMIT = 7_000, 2
BUDGET_SLICES = {DOUBLE: [5_000], BONUS: [7_000, 7_000]}


def promoted_earning(amount: int, currency: str, lines: list[tuple[str, str | None, int]], tier: str,
                     budget_left: dict[str, list[int]], bonus_uses: int) -> tuple[int, dict[str, int]]:
    """The points of a purchase and what each promotion adds: the multiplier's extra rounded down (the base takes
    the rest), the bonus untiered; a promotion whose budget has no slice that covers it is left out."""
    scale = TIERS[tier_index(tier)][2] / MINOR_PER_POINT[currency]
    weighted = Fraction(amount - sum(a for _, _, a in lines))
    promoted = Fraction(0)
    for sku, category, line_amount in lines:
        weighted += line_amount * CATEGORY.get(category or "", Fraction(1))
        if sku == PROMO_SKU:
            promoted += line_amount * CATEGORY.get(category or "", Fraction(1))
    shares: dict[str, int] = {}
    extra = floor(promoted * scale)  # x2: the promoted amount once more
    doubled = promoted > 0 and (extra == 0 or max(budget_left[DOUBLE]) >= extra)
    if doubled and extra:
        shares[DOUBLE] = extra
    if promoted > 0 and bonus_uses < BONUS_LIMIT and max(budget_left[BONUS]) >= BONUS_POINTS:
        shares[BONUS] = BONUS_POINTS
    return floor((weighted + (promoted if doubled else 0)) * scale) + shares.get(BONUS, 0), shares


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """`total` in proportion to `weights`, rounded down, the rest one each to the largest remainders (earlier first)."""
    whole = sum(weights)
    if not whole:
        return [0 for _ in weights]
    exact = [Fraction(total * w, whole) for w in weights]
    parts = [floor(e) for e in exact]
    for i in sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))[:total - sum(parts)]:
        parts[i] += 1
    return parts


def expiry(at: datetime) -> str:
    return (at.date() + timedelta(days=EXPIRY_DAYS)).isoformat()


@dataclass
class AccrualLot:
    tx: str
    kind: str
    points: int
    amount: int | None
    earned_day: str
    expires_on: str
    available_at: datetime | None
    pending: bool
    refunded: int = 0
    reversed: int = 0
    promotions: dict[str, list[int]] = field(default_factory=dict)  # promotion: [points, slice, reversed]


@dataclass
class Redemption:
    rid: str
    reward: str
    quantity: int
    points: int
    draws: dict[str, int]
    cancelled: bool = False


@dataclass
class Member:
    member_id: str
    referral_code: str
    referred_by: str | None = None
    referral_paid: bool = False
    buckets: dict[str, int] = field(default_factory=dict)
    debt: int = 0
    lifetime: int = 0
    qualifying_by_day: dict[str, int] = field(default_factory=dict)
    tier: str = "Member"
    review_on: str | None = None
    activity_days: dict[str, list[str]] = field(default_factory=dict)
    lots: dict[str, AccrualLot] = field(default_factory=dict)
    redemptions: dict[str, Redemption] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)
    challenge_purchases: dict[str, int] = field(default_factory=dict)  # month (YYYY-MM) -> purchases counted
    challenge_done: dict[str, str] = field(default_factory=dict)  # month -> when its bonus was granted
    bonus_uses: int = 0  # times it got the promotion BONUS (limited per member)

    # --- points per expiry date ---------------------------------------------------------------------------------
    @property
    def available(self) -> int:
        return sum(self.buckets.values()) - self.debt

    @property
    def pending(self) -> int:
        return sum(lot.points - lot.reversed for lot in self.lots.values() if lot.pending)

    def spendable(self, today: date) -> int:
        return sum(p for d, p in self.buckets.items() if d > today.isoformat()) - self.debt

    def credit(self, day: str, points: int) -> None:
        self.buckets[day] = self.buckets.get(day, 0) + points
        repay = min(self.debt, self.buckets[day])
        self.buckets[day] -= repay
        self.debt -= repay

    def consume(self, points: int, today: date) -> dict[str, int]:
        """Soonest-expiring first, never a date that has come; a shortfall becomes debt (only reversals get one)."""
        draws: dict[str, int] = {}
        need = points
        for day in sorted(d for d in self.buckets if d > today.isoformat()):
            take = min(need, self.buckets[day])
            if take:
                self.buckets[day] -= take
                draws[day] = take
                need -= take
        self.debt += need
        return draws

    def give_back(self, draws: dict[str, int], today: date) -> tuple[int, int]:
        returned = forfeited = 0
        for day, points in draws.items():
            if day <= today.isoformat():
                forfeited += points
            else:
                self.credit(day, points)
                returned += points
        return returned, forfeited

    def expire(self, today: date) -> dict[str, int]:
        gone = {}
        for day in sorted(d for d in self.buckets if d <= today.isoformat()):
            left = self.buckets.pop(day)
            if left:
                gone[day] = left
        return gone

    def expiring(self, today: date) -> list[dict[str, object]]:
        until = (today + timedelta(days=SOON_DAYS)).isoformat()
        return [{"date": d, "points": p} for d, p in sorted(self.buckets.items())
                if today.isoformat() < d <= until and p > 0]

    # --- the challenge ------------------------------------------------------------------------------------------
    def count_purchase(self, occurred: datetime, now: datetime) -> bool:
        """A purchase counts in its own month until that month's goal is reached; True when this one reaches it."""
        month = occurred.strftime("%Y-%m")
        if month in self.challenge_done:
            return False
        self.challenge_purchases[month] = self.challenge_purchases.get(month, 0) + 1
        if self.challenge_purchases[month] < CHALLENGE_TARGET:
            return False
        self.challenge_done[month] = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.credit(expiry(now), CHALLENGE_BONUS)
        self.lifetime += CHALLENGE_BONUS
        return True

    def challenges(self, today: date) -> list[dict[str, object]]:
        month = today.strftime("%Y-%m")
        return [{"challenge_id": CHALLENGE["challenge_id"], "progress": self.challenge_purchases.get(month, 0),
                 "target": CHALLENGE_TARGET, "completed_at": self.challenge_done.get(month)}]

    # --- qualifying points and tiers ----------------------------------------------------------------------------
    def qualifying(self, today: date) -> int:
        horizon = (today - timedelta(days=WINDOW_DAYS)).isoformat()
        return sum(p for d, p in self.qualifying_by_day.items() if d > horizon)

    def qualify(self, day: str, points: int) -> None:
        self.qualifying_by_day[day] = self.qualifying_by_day.get(day, 0) + points

    def move_to(self, target: int, now: datetime) -> None:
        """A tier reached for the first time pays its entry bonus (every tier passed on the way up, too)."""
        for name, _, _ in TIERS[tier_index(self.tier) + 1:target + 1]:
            if name not in self.reached and ENTRY_BONUS.get(name):
                self.reached.add(name)
                self.credit(expiry(now), ENTRY_BONUS.get(name, 0))
                self.lifetime += ENTRY_BONUS.get(name, 0)
        self.tier = TIERS[target][0]

    def upgrade(self, now: datetime) -> bool:
        target = earned_tier(self.qualifying(now.date()))
        if target <= tier_index(self.tier):
            return False
        self.move_to(target, now)
        self.review_on = (now.date() + timedelta(days=REVIEW_DAYS)).isoformat()
        return True

    def review(self, now: datetime) -> None:
        if self.review_on is None or self.review_on > now.date().isoformat():
            return
        earned, held = earned_tier(self.qualifying(now.date())), tier_index(self.tier)
        new = earned if earned >= held else held - 1
        self.move_to(new, now)
        self.review_on = (now.date() + timedelta(days=REVIEW_DAYS)).isoformat() if new else None

    def activity_allowed(self, activity: str, today: date) -> bool:
        _, most, window = ACTIVITIES[activity]
        days = self.activity_days.get(activity, [])
        horizon = "" if window is None else (today - timedelta(days=window)).isoformat()
        return len([d for d in days if d > horizon]) < most

    def view(self, today: date) -> dict[str, object]:
        qualifying = self.qualifying(today)
        index = tier_index(self.tier)
        nxt = None
        if index + 1 < len(TIERS):
            name, need, _ = TIERS[index + 1]
            nxt = {"name": name, "qualifying_needed": max(0, need - qualifying)}
        return {"member_id": self.member_id, "tier": self.tier, "referral_code": self.referral_code,
                "balance": {"available": self.available, "pending": self.pending, "lifetime": self.lifetime,
                            "qualifying": qualifying},
                "next_tier": nxt, "expiring": self.expiring(today), "segments": [], "birthday": None,
                "challenges": self.challenges(today), "status": "active"}


def reversal_take(lot: AccrualLot, refund: int) -> int:
    amount = lot.amount if lot.amount is not None else 1
    if lot.refunded + refund >= amount:
        return lot.points - lot.reversed
    return min(lot.points - lot.reversed, lot.points * refund // amount)
