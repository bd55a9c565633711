"""Domain records <-> items. No rules here: only where each field is stored."""
from __future__ import annotations

import dataclasses
import zlib
from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action

from ..domain.ledger import LedgerEntry, Lot, PromotionGrant
from ..domain.member import MemberState
from ..domain.timeutil import iso
from .models import SHARDS, LedgerItem, MemberItem
from .packing import DAY_MAPS_OF_DETAIL, pack_json, pack_state, unpack_json, unpack_state


def shard(key: str) -> str:
    return str(zlib.crc32(key.encode()) % SHARDS)


def member_to_item(member: MemberState, outbox: str | None = None, figures: str | None = None) -> MemberItem:
    state = member.model_dump(mode="json", exclude={"version"})
    due = member.wallet.next_expiry()
    item = MemberItem(member.member_id, packed=pack_state(state), referral_code=member.referral_code, outbox=outbox,
                      figures=figures, expiry_shard=shard(member.member_id) if due else None, expiry_due=due,
                      review_shard=shard(member.member_id) if member.review_on else None,
                      review_due=member.review_on,
                      birthday_shard=shard(member.member_id) if member.birthday else None, birthday=member.birthday)
    if member.version is not None:
        item.version = member.version
    return item


def member_from_item(item: MemberItem) -> MemberState:
    return MemberState.model_validate({**unpack_state(item.packed), "version": item.version})


def entry_to_item(entry: LedgerEntry, lot: Lot | None = None) -> LedgerItem:
    """The entry's item; with `lot`, the lot the entry credited, stored on the same item."""
    item = LedgerItem(entry.member_id, entry.key, type=entry.type, points=entry.points,
                      posted_at=f"{iso(entry.created_at)}#{entry.key}", reference=entry.reference,
                      fingerprint=entry.fingerprint,
                      answer=None if entry.response is None else pack_json(entry.response),
                      detail=pack_state(entry.detail, DAY_MAPS_OF_DETAIL) if entry.detail else None)
    if lot is not None:
        for name, value in _lot_attributes(lot).items():
            setattr(item, name, value)
    return item


def entry_from_item(item: LedgerItem) -> LedgerEntry:
    created = datetime.fromisoformat(item.posted_at.split("#", 1)[0])
    return LedgerEntry(item.member_id, item.entry_key, item.type, int(item.points), created,  # type: ignore[arg-type]
                       item.reference, item.fingerprint, None if item.answer is None else unpack_json(item.answer),
                       unpack_state(item.detail, DAY_MAPS_OF_DETAIL) if item.detail else {})


def _lot_attributes(lot: Lot) -> dict[str, Any]:
    """The attributes of its entry's item that hold a lot: the lot, its version, its release-index keys."""
    pending = lot.status == "pending"
    due = lot.available_at.date().isoformat() if pending and lot.available_at else None
    document = {"source": lot.source, "points": lot.points, "earned_at": iso(lot.earned_at),
                "expires_on": lot.expires_on, "status": lot.status,
                "available_at": iso(lot.available_at) if lot.available_at else None, "segments": lot.segments,
                "qualifying": lot.qualifying, "amount_minor": lot.amount_minor, "currency": lot.currency,
                "refunded_minor": lot.refunded_minor, "reversed_points": lot.reversed_points,
                "promotions": [dataclasses.asdict(g) for g in lot.promotions]}
    return {"lot": pack_json({k: v for k, v in document.items() if v not in (None, [], {}, 0, False)}),
            "lot_version": (lot.version or 0) + 1, "release_shard": shard(lot.member_id) if due else None,
            "release_due": due}


def lot_update(lot: Lot) -> list[Action]:
    """The update of its entry's item that stores a lot (an attribute without a value is removed)."""
    return [getattr(LedgerItem, name).set(value) if value is not None else getattr(LedgerItem, name).remove()
            for name, value in _lot_attributes(lot).items()]


def lot_from_item(item: LedgerItem) -> Lot:
    doc = unpack_json(item.lot)
    available_at = doc.get("available_at")
    return Lot(item.member_id, item.entry_key, doc["source"], int(doc.get("points", 0)),
               datetime.fromisoformat(doc["earned_at"]), doc["expires_on"], doc["status"],
               datetime.fromisoformat(available_at) if available_at else None,
               dict(doc.get("segments") or {}), bool(doc.get("qualifying")), doc.get("amount_minor"),
               doc.get("currency"), int(doc.get("refunded_minor", 0)), int(doc.get("reversed_points", 0)),
               int(item.lot_version) if item.lot_version is not None else None,
               [PromotionGrant(**g) for g in doc.get("promotions") or []])
