"""Earning: purchases, activities, their reversal, and the welcome and referral bonuses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .. import answers
from ..events import ChallengeCompleted, CompletedWindow, PointsAccrued, PointsReversed, ReferralQualified
from . import challenges, earning
from .crediting import bonus_lot, credit_lot
from .errors import BusinessRuleRefused, ErrorCode, InvalidRequest
from .figures import count_active
from .ledger import BudgetDraw, Claim, Command, LedgerEntry, Lot, Posting, PromotionGrant, entry_key
from .member import MemberState
from .program import Program
from .timeutil import day_start, expiry_date, iso


@dataclass(frozen=True)
class AccrualCommand(Command):
    transaction_id: str
    kind: Literal["purchase", "activity", "receipt"]
    occurred_at: datetime
    purchase: earning.Purchase | None = None
    activity: str | None = None
    occurred_at_sent: bool = True  # False: it defaulted to the time of the request, which a retry does not repeat
    store_id: str | None = None  # a receipt's store: the receipt is claimed once per store across all members

    @property
    def earns_as_purchase(self) -> bool:
        """A receipt is an offline purchase: it earns, waits and qualifies a referral as a purchase does."""
        return self.kind in ("purchase", "receipt")

    def idempotency_payload(self) -> dict[str, Any]:
        payload = super().idempotency_payload()
        if self.store_id is None:  # fingerprints of requests made before receipts existed stay as they were
            payload.pop("store_id")
        if not self.occurred_at_sent:
            payload.pop("occurred_at")
            if payload["purchase"]:
                payload["purchase"].pop("occurred_at")
        return payload


@dataclass(frozen=True)
class ReferralCommand(Command):
    referee_id: str


@dataclass(frozen=True)
class ReversalCommand(Command):
    reversal_id: str
    transaction_id: str
    amount_minor: int | None  # None: everything not yet refunded


def _grant(program: Program, member: MemberState, done: challenges.Completion, posting: Posting) -> None:
    """A reached goal's bonus: a lot available at once and not qualifying (a bonus, like the welcome points), with
    its own history entry keyed by challenge and window, in the transaction of the accrual that reached it."""
    challenge, key = done.challenge, done.entry_key
    points = challenge.bonus_points
    posting.new_lots.append(bonus_lot(program, member, key, "challenge", points, done.completed_at, qualifying=False))
    posting.entries.append(LedgerEntry(member.member_id, key, "accrual", points, done.completed_at,
                                       challenge.challenge_id, detail={"kind": "challenge", "window": done.window.key}))
    posting.count("issued", points)
    window = CompletedWindow(kind=done.window.kind, starts_at=day_start(done.window.start),
                             ends_at=day_start(done.window.end))
    posting.events.append(ChallengeCompleted(member_id=member.member_id, challenge_id=challenge.challenge_id,
                                             window=window, bonus_points=points, completed_at=iso(done.completed_at)))


def _earn(program: Program, member: MemberState, cmd: AccrualCommand, now: datetime,
          budget: earning.Budgets | None) -> tuple[int, tuple[earning.PromotionShare, ...]]:
    day = cmd.occurred_at.date()
    if cmd.kind == "activity":
        assert cmd.activity is not None
        history = member.activity_dates.get(cmd.activity, [])
        points = earning.activity_points(program, cmd.activity, history, day)
        kept = earning.prune_activity_history(program, cmd.activity, [*history, day.isoformat()], day)
        member.activity_dates[cmd.activity] = kept
        return points, ()
    assert cmd.purchase is not None
    earned = earning.purchase_points(program, cmd.purchase, member.tier, segments=member.segments,
                                     first_purchase=not member.has_purchased, uses=member.promotion_uses,
                                     budget=budget)
    member.has_purchased = True
    _count_uses(program, member, earned.promotions, now)
    return earned.points, earned.promotions


def _count_uses(program: Program, member: MemberState, granted: tuple[earning.PromotionShare, ...],
                now: datetime) -> None:
    """Count the grants of promotions with a per-member limit; forget the promotions that left the program or
    ended longer ago than the oldest purchase an accrual takes, so the member item stays bounded."""
    limited = {p.promotion_id for p in program.promotions
               if p.per_member_limit is not None and p.ends_at > now - MAX_AGE - MAX_CLOCK_SKEW}
    uses = {k: n for k, n in member.promotion_uses.items() if k in limited}
    for share in granted:
        if share.promotion_id in limited:
            uses[share.promotion_id] = uses.get(share.promotion_id, 0) + 1
    member.promotion_uses = uses


def _budget_draws(program: Program, granted: tuple[earning.PromotionShare, ...]) -> list[BudgetDraw]:
    promotions = {p.promotion_id: p for p in program.promotions}
    return [BudgetDraw(s.promotion_id, s.slice, s.points, promotions[s.promotion_id].budget_shares()[s.slice])
            for s in granted if s.slice is not None]


def receipt_claim_key(store_id: str, receipt_id: str) -> str:
    return f"receipt#{store_id}#{receipt_id}"


def receipt_claim(cmd: AccrualCommand, member_id: str) -> Claim:
    """A receipt earns once per store and receipt id, whoever sends it."""
    assert cmd.store_id is not None
    return Claim(receipt_claim_key(cmd.store_id, cmd.transaction_id), member_id, cmd.transaction_id,
                 ErrorCode.RECEIPT_ALREADY_USED,
                 f"receipt {cmd.transaction_id} of store {cmd.store_id} has already earned points")


def accrue(program: Program, member: MemberState, cmd: AccrualCommand, now: datetime,
           taken: frozenset[str] = frozenset(), budget: earning.Budgets | None = None) -> Posting:
    """Credit what a purchase or an activity earns: purchases wait `pending_days`, activities are available.
    A referee's first purchase also announces that its referrer qualified (`pay_referral` credits the referrer,
    in the referrer's own transaction: this one touches one member). Budgeted promotions draw on the slice
    `budget` chooses, in the same transaction (see `earning.purchase_points`); a challenge window whose bonus key
    is in `taken` is already granted."""
    member.ensure_may("earn")
    points, granted = _earn(program, member, cmd, now, budget)
    key = entry_key("accrual", cmd.transaction_id)
    pending_until = cmd.occurred_at + timedelta(days=program.pending_days) if cmd.earns_as_purchase else None
    status: Literal["pending", "available"] = "pending" if pending_until and pending_until > now else "available"
    lot = Lot(member.member_id, key, cmd.kind, points, cmd.occurred_at,
              expiry_date(cmd.occurred_at, program.expiry_days), status, available_at=pending_until,
              qualifying=True, amount_minor=cmd.purchase.amount_minor if cmd.purchase else None,
              currency=cmd.purchase.currency if cmd.purchase else None,
              promotions=[PromotionGrant(s.promotion_id, s.points, s.slice) for s in granted])
    if status == "pending":
        member.wallet.pending += points
    else:
        credit_lot(member, lot)
    member.lifetime += points
    member.add_qualifying(program, cmd.occurred_at.date(), points, now.date())
    posting = Posting(members=[member], new_lots=[lot], budget=_budget_draws(program, granted))
    posting.entries.append(LedgerEntry(member.member_id, key, "accrual", points, now, cmd.transaction_id,
                                       detail={"kind": cmd.kind, "activity": cmd.activity}))
    if cmd.kind == "receipt":
        posting.claims.append(receipt_claim(cmd, member.member_id))
        posting.entries[-1].detail["store_id"] = cmd.store_id
    posting.count("issued", points)
    count_active(posting, member, now.date())
    answer = answers.Accrual(transaction_id=cmd.transaction_id, points=points, status=status,
                             available_at=iso(pending_until) if pending_until else iso(now),
                             expires_at=day_start(lot.expires_on),
                             promotions=[answers.PromotionPoints(promotion_id=s.promotion_id, points=s.points) for s in granted])
    posting.events.append(PointsAccrued(member_id=member.member_id, **answer.model_dump(), kind=cmd.kind))
    member.challenges = challenges.prune(program, member.challenges, now.date(), (now - MAX_AGE).date())
    for done in challenges.record(program, member.challenges, member.segments, cmd.occurred_at, now, cmd.purchase,
                                  cmd.activity if cmd.kind == "activity" else None, taken):
        _grant(program, member, done, posting)
    if cmd.earns_as_purchase and member.referred_by and not member.referral_paid:
        member.referral_paid = True
        posting.events.append(ReferralQualified(member_id=member.referred_by, referee_id=member.member_id,
                                                transaction_id=cmd.transaction_id, qualified_at=iso(now)))
    posting.response = answers.AccrualAnswer(accrual=answer, member=member.view(program, now.date()))
    return posting


def simulate(program: Program, tier: str | None, segments: list[str], cmd: AccrualCommand, now: datetime,
             budget: earning.Budgets) -> answers.AccrualSimulation:
    """What `accrue` would answer for a member of that tier (the first one by default) and those segments, who
    has no history: before any per-member limit, and a first purchase. `occurred_at` may be up to a year ahead."""
    if cmd.occurred_at > now + MAX_SIMULATION_AHEAD:
        raise InvalidRequest(ErrorCode.OCCURRED_AT_IN_FUTURE, "a simulation may look at most 366 days ahead")
    if cmd.occurred_at < now - MAX_AGE:
        raise InvalidRequest(ErrorCode.OCCURRED_AT_TOO_OLD, "occurred_at may not be more than 30 days in the past")
    name = tier or program.tiers[0].name
    if name not in {t.name for t in program.tiers}:
        raise InvalidRequest(ErrorCode.INVALID_REQUEST, f"tier: {name} is not a tier of the program")
    member = MemberState(member_id="simulation", tier=name, referral_code="SIMULATION", enrolled_at=now,
                         segments=segments)
    answer = accrue(program, member, cmd, now, budget=budget).response
    assert isinstance(answer, answers.AccrualAnswer)
    return answers.AccrualSimulation(accrual=answer.accrual)


def pay_referral(program: Program, referrer: MemberState, referee_id: str, qualified_at: datetime) -> Posting:
    """The referral bonus, available at once and qualifying, dated when the referee's first purchase was accrued."""
    referrer.ensure_may("earn")
    points = program.referral_points
    key = entry_key("referral", referee_id)
    lot = bonus_lot(program, referrer, key, "referral", points, qualified_at, qualifying=True)
    posting = Posting(members=[referrer], new_lots=[lot])
    posting.entries.append(LedgerEntry(referrer.member_id, key, "accrual", points, qualified_at, referee_id,
                                       detail={"kind": "referral"}))
    posting.count("issued", points)
    posting.events.append(PointsAccrued(member_id=referrer.member_id, transaction_id=key, points=points,
                                        status="available", kind="referral"))
    referral = answers.Referral(transaction_id=key, points=points, status="available", kind="referral", referee_id=referee_id)
    posting.response = answers.ReferralAnswer(referral=referral, member=referrer.view(program, qualified_at.date()))
    return posting


def reverse(program: Program, member: MemberState, lot: Lot, cmd: ReversalCommand, now: datetime) -> Posting:
    """Claw back a refund's share of an accrual: from its pending points first, then available, then as debt."""
    if lot.amount_minor is None:
        if cmd.amount_minor is not None:
            raise BusinessRuleRefused(ErrorCode.REFUND_EXCEEDS_AMOUNT, "an activity has no amount to refund")
        refund, amount = 1, 1
    else:
        amount = lot.amount_minor
        refund = amount - lot.refunded_minor if cmd.amount_minor is None else cmd.amount_minor
    if refund <= 0 or lot.refunded_minor + refund > amount:
        raise BusinessRuleRefused(
            ErrorCode.REFUND_EXCEEDS_AMOUNT, f"{lot.refunded_minor} of {amount} already refunded; {refund} more is too much")
    take = earning.reversal_points(lot.points, amount, lot.refunded_minor, refund, lot.reversed_points)
    from_pending = min(take, lot.pending_points)
    member.wallet.pending -= from_pending
    draws = member.wallet.consume(take - from_pending, now.date(), allow_debt=True) if take > from_pending else {}
    taken_back = _take_back_promotions(lot, take)
    lot.refunded_minor += refund
    lot.reversed_points += take
    member.lifetime -= take
    earned_day = lot.earned_at.date().isoformat()
    if lot.qualifying and earned_day in member.qualifying_by_day:
        member.qualifying_by_day[earned_day] = max(0, member.qualifying_by_day[earned_day] - take)
    key = entry_key("reversal", cmd.reversal_id)
    budget = [BudgetDraw(g.promotion_id, g.slice, -back) for g, back in taken_back if back and g.slice is not None]
    posting = Posting(members=[member], updated_lots=[lot], budget=budget)
    detail: dict[str, Any] = {"draws": draws, "from_pending": from_pending, "refund_minor": refund}
    if taken_back:
        detail["promotions"] = {g.promotion_id: back for g, back in taken_back}
    posting.entries.append(LedgerEntry(member.member_id, key, "reversal", -take, now, cmd.transaction_id,
                                       detail=detail))
    posting.count("reversed", take)
    reversal = answers.Reversal(reversal_id=cmd.reversal_id, transaction_id=cmd.transaction_id, points=take,
                                refunded_minor=lot.refunded_minor)
    posting.events.append(PointsReversed(member_id=member.member_id, **reversal.model_dump()))
    posting.response = answers.ReversalAnswer(reversal=reversal, member=member.view(program, now.date()))
    return posting


def _take_back_promotions(lot: Lot, take: int) -> list[tuple[PromotionGrant, int]]:
    """The promotions' part of what a reversal takes, in the same proportion as the rest (each budget gets its
    part back, on the slice it was drawn from)."""
    left = [g.points - g.reversed_points for g in lot.promotions]
    base_left = lot.points - lot.reversed_points - sum(left)
    taken = list(zip(lot.promotions, earning.promotions_reversed(take, base_left, left), strict=True))
    for grant, back in taken:
        grant.reversed_points += back
    return taken


MAX_CLOCK_SKEW = timedelta(minutes=1)
MAX_AGE = timedelta(days=30)
MAX_SIMULATION_AHEAD = timedelta(days=366)


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    """An accrual may not be in the future (beyond a minute of clock skew) nor more than 30 days old."""
    if occurred_at > now + MAX_CLOCK_SKEW:
        raise InvalidRequest(ErrorCode.OCCURRED_AT_IN_FUTURE, "occurred_at may not be in the future")
    if occurred_at < now - MAX_AGE:
        raise InvalidRequest(ErrorCode.OCCURRED_AT_TOO_OLD, "occurred_at may not be more than 30 days in the past")
