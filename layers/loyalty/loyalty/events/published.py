"""Every detail-type this service publishes, by name: what `scripts/build_event_schemas.py` documents."""
from __future__ import annotations

from .accrual_outcomes import ChallengeCompleted, PointsReversed, ReferralQualified
from .accrued import PointsAccrued
from .clocked import PointsExpired, PointsExpiringSoon, PointsReleased, TierChanged
from .continuations import ExportRequested, ImportContinued, PointsClockContinued
from .details import EventDetail
from .membership import MemberBlocked, MemberEnrolled, MemberErased, MemberImported, MemberUnblocked
from .movements import PointsAdjusted, PointsRedeemed, PointsTransferred, RedemptionCancelled

EVENTS: dict[str, type[EventDetail]] = {cls.__name__: cls for cls in (
    PointsAccrued, PointsReversed, PointsRedeemed, RedemptionCancelled, PointsTransferred, PointsAdjusted,
    PointsReleased, PointsExpired, PointsExpiringSoon, TierChanged, MemberEnrolled, ReferralQualified,
    ChallengeCompleted, PointsClockContinued, MemberImported, ExportRequested, MemberBlocked, MemberUnblocked,
    MemberErased, ImportContinued)}
