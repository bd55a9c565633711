"""The events this service publishes (source `loyalty`), one model per detail-type. The domain builds them (so a
detail is validated once, when it is made), the outbox stores them, consumers parse them with the same model,
and `scripts/build_event_schemas.py` documents them as JSON Schema (`published.EVENTS`).

Each kind of event is a submodule, imported the first time one of its names is read from this package (a module
`__getattr__`, as `loyalty.answers`): a function defines the events it makes, not all of them, at its cold start."""
from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from ..platform.lazy_names import lazy_names

if TYPE_CHECKING:  # what mypy sees (`Name as Name`: explicit re-exports); at run time __getattr__ imports them
    # isort: off
    from .details import (
        EventDetail as EventDetail
    )
    from .accrued import (
        AccruedPromotion as AccruedPromotion, PointsAccrued as PointsAccrued
    )
    from .accrual_outcomes import (
        PointsReversed as PointsReversed, ReferralQualified as ReferralQualified, CompletedWindow as CompletedWindow,
        ChallengeCompleted as ChallengeCompleted
    )
    from .movements import (
        PointsRedeemed as PointsRedeemed, RedemptionCancelled as RedemptionCancelled, PointsTransferred as
        PointsTransferred, PointsAdjusted as PointsAdjusted
    )
    from .clocked import (
        PointsReleased as PointsReleased, ExpiredLot as ExpiredLot, Balance as Balance, PointsExpired as
        PointsExpired, ExpiringDay as ExpiringDay, PointsExpiringSoon as PointsExpiringSoon, TierChanged as
        TierChanged
    )
    from .membership import (
        MemberEnrolled as MemberEnrolled, MemberImported as MemberImported, MemberBlocked as MemberBlocked,
        MemberUnblocked as MemberUnblocked, MemberErased as MemberErased
    )
    from .continuations import (
        ImportContinued as ImportContinued, PointsClockContinued as PointsClockContinued, ExportRequested as
        ExportRequested
    )
    from .published import (
        EVENTS as EVENTS
    )
    # isort: on

# the submodule of each name (tests/unit/test_cold_start.py checks it against the submodules)
WHERE: dict[str, str] = {
    **dict.fromkeys(("EventDetail",), "details"),
    **dict.fromkeys(("AccruedPromotion", "PointsAccrued"), "accrued"),
    **dict.fromkeys(("PointsReversed", "ReferralQualified", "CompletedWindow", "ChallengeCompleted"), "accrual_outcomes"),
    **dict.fromkeys(("PointsRedeemed", "RedemptionCancelled", "PointsTransferred", "PointsAdjusted"), "movements"),
    **dict.fromkeys(("PointsReleased", "ExpiredLot", "Balance", "PointsExpired", "ExpiringDay", "PointsExpiringSoon",
                     "TierChanged"), "clocked"),
    **dict.fromkeys(("MemberEnrolled", "MemberImported", "MemberBlocked", "MemberUnblocked", "MemberErased"), "membership"),
    **dict.fromkeys(("ImportContinued", "PointsClockContinued", "ExportRequested"), "continuations"),
    **dict.fromkeys(("EVENTS",), "published"),
}
__all__ = sorted([*WHERE, "Event", "wire", "to_outbox", "from_outbox", "notice_id"])


Event = tuple[str, dict[str, Any]]  # (detail-type, detail) as it goes on the bus


def wire(detail: EventDetail) -> Event:
    """The event as sent: its detail-type and its JSON detail (`from` spelled as published)."""
    return type(detail).__name__, detail.model_dump(mode="json", by_alias=True, exclude_none=False)


def to_outbox(events: list[EventDetail]) -> str | None:
    """The events of one write, stored on the member item that the write produces (their ids come from that
    item's version, known when they are read back)."""
    stored = [[kind, {k: v for k, v in detail.items() if k != "event_id"}] for kind, detail in map(wire, events)]
    return json.dumps(stored) if stored else None


def from_outbox(outbox: str, member_id: str, version: int) -> list[Event]:
    """The stored events of the write that produced `version` of the member, each with its stable id."""
    return [(str(kind), {**detail, "event_id": f"{member_id}/{version}/{n}"})
            for n, (kind, detail) in enumerate(json.loads(outbox))]


def notice_id(member_id: str, notice: str, day: date) -> str:
    """The id of a notice that no write causes: one per member, notice and day, however often the job runs."""
    return f"{member_id}/{notice}/{day.isoformat()}"


__getattr__ = lazy_names(__name__, WHERE, globals())
