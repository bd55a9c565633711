"""Everything that takes points away or moves them: redemption and its cancellation, transfers, adjustments."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .. import answers  # read as each operation answers: a function loads the answers it serves, not all
from ..events import PointsAdjusted, PointsRedeemed, PointsTransferred, RedemptionCancelled
from .crediting import bonus_lot, credit_days
from .errors import BusinessRuleRefused, ErrorCode, NotFound
from .figures import count_active, count_redemption
from .ledger import Command, LedgerEntry, Lot, Posting, StockChange, entry_key
from .member import MemberState
from .program import Program, Reward


@dataclass(frozen=True)
class RedemptionCommand(Command):
    redemption_id: str
    reward_id: str
    quantity: int


@dataclass(frozen=True)
class TransferCommand(Command):
    transfer_id: str
    to_member_id: str
    points: int


@dataclass(frozen=True)
class AdjustmentCommand(Command):
    adjustment_id: str
    direction: Literal["credit", "debit"]
    points: int
    reason: str


def voucher_code() -> str:
    """A unique code a checkout or a partner honours: 16 characters of an unambiguous alphabet (80 bits)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _eligible(program: Program, member: MemberState, reward: Reward) -> None:
    if reward.min_tier and program.tier_index(member.tier) < program.tier_index(reward.min_tier):
        raise BusinessRuleRefused(ErrorCode.TIER_REQUIRED, f"{reward.reward_id} needs tier {reward.min_tier} or above")


def redeem(program: Program, member: MemberState, cmd: RedemptionCommand, now: datetime) -> Posting:
    reward = program.reward(cmd.reward_id)
    if reward is None:
        raise NotFound(ErrorCode.REWARD_NOT_FOUND, f"no reward {cmd.reward_id}")
    member.ensure_may("redeem")
    _eligible(program, member, reward)
    points = reward.points * cmd.quantity
    draws = member.wallet.consume(points, now.date())
    key = entry_key("redemption", cmd.redemption_id)
    code = voucher_code() if reward.needs_code else None
    posting = Posting(members=[member])
    if reward.stock is not None:
        posting.stock.append(StockChange(reward.reward_id, cmd.quantity, reward.stock))
    redemption = answers.Redemption(redemption_id=cmd.redemption_id, reward_id=reward.reward_id,
                                    quantity=cmd.quantity, points=points, code=code)
    posting.entries.append(LedgerEntry(member.member_id, key, "redemption", -points, now, cmd.redemption_id,
                                       detail={"draws": draws, **redemption.model_dump()}))
    posting.count("redeemed", points)
    count_redemption(posting, reward.reward_id, cmd.quantity, points)
    count_active(posting, member, now.date())
    posting.events.append(PointsRedeemed(member_id=member.member_id, **redemption.model_dump()))
    posting.response = answers.RedemptionAnswer(redemption=redemption, member=member.view(program, now.date()))
    return posting


def cancel_redemption(program: Program, member: MemberState, redemption: LedgerEntry, now: datetime) -> Posting:
    """Give the points back to their original expiry dates and the stock back. Points whose date passed
    meanwhile stay expired."""
    detail: dict[str, Any] = redemption.detail
    returned, forfeited = member.wallet.give_back(detail["draws"], now.date())
    key = entry_key("cancellation", str(detail["redemption_id"]))
    reward = program.reward(str(detail["reward_id"]))
    posting = Posting(members=[member])
    if reward is not None and reward.stock is not None:
        posting.stock.append(StockChange(reward.reward_id, -int(detail["quantity"]), reward.stock))
    cancellation = answers.Cancellation(redemption_id=detail["redemption_id"], reward_id=detail["reward_id"],
                                        quantity=detail["quantity"], points=returned, expired_points=forfeited)
    posting.entries.append(LedgerEntry(member.member_id, key, "cancellation", returned, now,
                                       cancellation.redemption_id, detail=cancellation.model_dump()))
    posting.count("redeemed", -(returned + forfeited))
    posting.count("expired", forfeited)
    count_redemption(posting, str(detail["reward_id"]), -int(detail["quantity"]), -(returned + forfeited))
    posting.events.append(RedemptionCancelled(member_id=member.member_id, **cancellation.model_dump()))
    posting.response = answers.CancellationAnswer(cancellation=cancellation, member=member.view(program, now.date()))
    return posting


def transfer(program: Program, sender: MemberState, recipient: MemberState, cmd: TransferCommand,
             now: datetime) -> Posting:
    """Move available points; they keep their expiry dates, so a transfer never refreshes them."""
    if sender.member_id == recipient.member_id:
        raise BusinessRuleRefused(ErrorCode.SAME_MEMBER, "a member cannot transfer to itself")
    sender.ensure_may("send")
    recipient.ensure_may("receive")
    transfer_id, points = cmd.transfer_id, cmd.points
    draws = sender.wallet.consume(points, now.date())
    received = entry_key("transfer_in", f"{transfer_id}@{sender.member_id}")  # the lot and its entry: one key
    lot = Lot(recipient.member_id, received, "transfer", points, now, min(draws), "available")
    credit_days(recipient, lot, draws)
    posting = Posting(members=[sender, recipient], new_lots=[lot])
    count_active(posting, sender, now.date())
    out_detail = {"transfer_id": transfer_id, "to": recipient.member_id, "points": points, "draws": draws}
    posting.entries.append(LedgerEntry(sender.member_id, entry_key("transfer_out", transfer_id), "transfer_out",
                                       -points, now, transfer_id, detail=out_detail))
    posting.entries.append(LedgerEntry(recipient.member_id, received, "transfer_in", points, now, transfer_id,
                                       detail={"transfer_id": transfer_id, "from": sender.member_id, "draws": draws}))
    answer = answers.Transfer(transfer_id=transfer_id, to_member_id=recipient.member_id, points=points)
    posting.events.append(PointsTransferred(member_id=sender.member_id, **answer.model_dump()))
    posting.response = answers.TransferAnswer(transfer=answer, member=sender.view(program, now.date()))
    return posting


def adjust(program: Program, member: MemberState, cmd: AdjustmentCommand, now: datetime) -> Posting:
    """A manual credit (a new lot, standard expiry, not qualifying) or debit (spent like a redemption). A credit
    is earning, which a blocked member cannot do; a debit still applies to it."""
    if cmd.direction == "credit":
        member.ensure_may("earn")
    points = cmd.points
    key = entry_key("adjustment", cmd.adjustment_id)
    posting = Posting(members=[member])
    adjustment = answers.Adjustment(adjustment_id=cmd.adjustment_id, direction=cmd.direction, points=points,
                                    reason=cmd.reason)
    detail: dict[str, Any] = adjustment.model_dump()
    if cmd.direction == "credit":
        posting.new_lots.append(bonus_lot(program, member, key, "adjustment", points, now, qualifying=False))
        posting.count("credited", points)
        signed = points
    else:
        detail["draws"] = member.wallet.consume(points, now.date())
        posting.count("debited", points)
        signed = -points
    posting.entries.append(LedgerEntry(member.member_id, key, "adjustment", signed, now, cmd.reason, detail=detail))
    posting.events.append(PointsAdjusted(member_id=member.member_id, **adjustment.model_dump()))
    posting.response = answers.AdjustmentAnswer(adjustment=adjustment, member=member.view(program, now.date()))
    return posting
