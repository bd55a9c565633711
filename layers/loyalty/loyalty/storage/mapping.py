"""Domain records <-> items. No rules here: only where each field is stored."""
from __future__ import annotations

import dataclasses
import zlib

from ..domain.ledger import LedgerEntry, Lot, PromotionGrant
from ..domain.member import MemberState
from ..domain.timeutil import iso
from .models import SHARDS, LedgerItem, LotItem, MemberItem


def shard(key: str) -> str:
    return str(zlib.crc32(key.encode()) % SHARDS)


def member_to_item(member: MemberState, outbox: str | None = None, figures: str | None = None) -> MemberItem:
    state = member.model_dump(mode="json", exclude={"version"})
    due = member.wallet.next_expiry()
    item = MemberItem(member.member_id, state=state, referral_code=member.referral_code, outbox=outbox, figures=figures,
                      expiry_shard=shard(member.member_id) if due else None, expiry_due=due,
                      review_shard=shard(member.member_id) if member.review_on else None,
                      review_due=member.review_on,
                      birthday_shard=shard(member.member_id) if member.birthday else None, birthday=member.birthday)
    if member.version is not None:
        item.version = member.version
    return item


def member_from_item(item: MemberItem) -> MemberState:
    return MemberState.model_validate({**item.state, "version": item.version})


def entry_to_item(entry: LedgerEntry) -> LedgerItem:
    return LedgerItem(entry.member_id, entry.key, type=entry.type, points=entry.points,
                      posted_at=f"{iso(entry.created_at)}#{entry.key}", reference=entry.reference,
                      fingerprint=entry.fingerprint, response=entry.response, detail=entry.detail or None)


def entry_from_item(item: LedgerItem) -> LedgerEntry:
    from datetime import datetime

    created = datetime.fromisoformat(item.posted_at.split("#", 1)[0].replace("Z", "+00:00"))
    return LedgerEntry(item.member_id, item.entry_key, item.type, int(item.points), created,  # type: ignore[arg-type]
                       item.reference, item.fingerprint, item.response, item.detail or {})


def lot_to_item(lot: Lot) -> LotItem:
    pending = lot.status == "pending"
    due = lot.available_at.date().isoformat() if pending and lot.available_at else None
    item = LotItem(lot.member_id, lot.lot_id, source=lot.source, points=lot.points, earned_at=lot.earned_at,
                   expires_on=lot.expires_on, status=lot.status, available_at=lot.available_at,
                   segments=lot.segments or None, qualifying=lot.qualifying, amount_minor=lot.amount_minor,
                   currency=lot.currency, refunded_minor=lot.refunded_minor, reversed_points=lot.reversed_points,
                   release_shard=shard(lot.member_id) if due else None, release_due=due,
                   promotions=[dataclasses.asdict(g) for g in lot.promotions] or None)
    if lot.version is not None:
        item.version = lot.version
    return item


def lot_from_item(item: LotItem) -> Lot:
    return Lot(item.member_id, item.lot_id, item.source, int(item.points), item.earned_at, item.expires_on,
               item.status, item.available_at, dict(item.segments or {}),  # type: ignore[arg-type]
               bool(item.qualifying), None if item.amount_minor is None else int(item.amount_minor),
               item.currency, int(item.refunded_minor or 0), int(item.reversed_points or 0), item.version,
               [PromotionGrant(**g) for g in item.promotions or []])
