"""The answers of the HTTP contract, one model per shape. The domain builds them, the resolver documents and
validates them (the OpenAPI document is generated from these classes), and a replay answers the stored copy.

Each area's answers are a submodule, imported the first time one of its names is read from this package (a module
`__getattr__`): a function defines the few answers it sends, not all of them, at its cold start. Code that only
builds answers on some paths reads them as `answers.Name` when it builds them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..platform.lazy_names import lazy_names

if TYPE_CHECKING:  # what mypy sees (`Name as Name`: explicit re-exports); at run time __getattr__ imports them
    # isort: off
    from .base import Answer as Answer
    from .views import (
        Balance as Balance, NextTier as NextTier, ExpiringPoints as ExpiringPoints, ChallengeStatus as ChallengeStatus, MemberView
        as MemberView
    )
    from .earned import (
        PromotionPoints as PromotionPoints, Accrual as Accrual, AccrualAnswer as AccrualAnswer, AccrualSimulation as
        AccrualSimulation
    )
    from .referrals import (
        Referral as Referral, ReferralAnswer as ReferralAnswer
    )
    from .reversals import (
        Reversal as Reversal, ReversalAnswer as ReversalAnswer
    )
    from .spent import (
        Redemption as Redemption, RedemptionAnswer as RedemptionAnswer, Cancellation as Cancellation, CancellationAnswer as
        CancellationAnswer
    )
    from .transferred import (
        Transfer as Transfer, TransferAnswer as TransferAnswer
    )
    from .adjusted import (
        Adjustment as Adjustment, AdjustmentAnswer as AdjustmentAnswer, BulkCredit as BulkCredit
    )
    from .history import (
        HistoryItem as HistoryItem, HistoryPage as HistoryPage, LedgerRow as LedgerRow, MemberRow as MemberRow, ExportKind as
        ExportKind, ExportAccepted as ExportAccepted, ExportStatus as ExportStatus, ExportedEntry as ExportedEntry, ExportedLot as
        ExportedLot, MemberExport as MemberExport
    )
    from .reports import (
        PointFlows as PointFlows, Stats as Stats, DayFigures as DayFigures, AnalyticsDay as AnalyticsDay, Money as Money,
        TopReward as TopReward, Analytics as Analytics
    )
    from .rules import (
        RewardListing as RewardListing, RewardsPage as RewardsPage, ProgramAtRevision as ProgramAtRevision, ProgramRevision as
        ProgramRevision, RevisionsPage as RevisionsPage, PublicProgram as PublicProgram
    )
    from .refusals import (
        ErrorPlace as ErrorPlace, ErrorDetail as ErrorDetail, ErrorAnswer as ErrorAnswer, GatewayMessage as GatewayMessage,
        Refusal as Refusal
    )
    from .import_runs import (
        ImportResult as ImportResult, ImportAnswer as ImportAnswer, ImportUpload as ImportUpload, ImportCounts as ImportCounts,
        ImportStatus as ImportStatus, ImportRefusal as ImportRefusal, ImportRefusalsPage as ImportRefusalsPage
    )
    # isort: on

# the submodule of each name (tests/unit/test_cold_start.py checks it against the submodules)
WHERE: dict[str, str] = {
    **dict.fromkeys(("Answer",), "base"),
    **dict.fromkeys(("Balance", "NextTier", "ExpiringPoints", "ChallengeStatus", "MemberView"), "views"),
    **dict.fromkeys(("PromotionPoints", "Accrual", "AccrualAnswer", "AccrualSimulation"), "earned"),
    **dict.fromkeys(("Referral", "ReferralAnswer"), "referrals"),
    **dict.fromkeys(("Reversal", "ReversalAnswer"), "reversals"),
    **dict.fromkeys(("Redemption", "RedemptionAnswer", "Cancellation", "CancellationAnswer"), "spent"),
    **dict.fromkeys(("Transfer", "TransferAnswer"), "transferred"),
    **dict.fromkeys(("Adjustment", "AdjustmentAnswer", "BulkCredit"), "adjusted"),
    **dict.fromkeys(("HistoryItem", "HistoryPage", "LedgerRow", "MemberRow", "ExportKind", "ExportAccepted", "ExportStatus",
                     "ExportedEntry", "ExportedLot", "MemberExport"), "history"),
    **dict.fromkeys(("PointFlows", "Stats", "DayFigures", "AnalyticsDay", "Money", "TopReward", "Analytics"), "reports"),
    **dict.fromkeys(("RewardListing", "RewardsPage", "ProgramAtRevision", "ProgramRevision", "RevisionsPage",
                     "PublicProgram"), "rules"),
    **dict.fromkeys(("ErrorPlace", "ErrorDetail", "ErrorAnswer", "GatewayMessage", "Refusal"), "refusals"),
    **dict.fromkeys(("ImportResult", "ImportAnswer", "ImportUpload", "ImportCounts", "ImportStatus", "ImportRefusal",
                     "ImportRefusalsPage"), "import_runs"),
}
__all__ = sorted(WHERE)


__getattr__ = lazy_names(__name__, WHERE, globals())
