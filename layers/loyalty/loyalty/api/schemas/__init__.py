"""Request models of the HTTP contract: strict types, bounded sizes, unknown fields refused.

Each area's requests are a submodule, imported the first time one of its names is read from this package (a module
`__getattr__`): a function defines the requests it takes (and imports the domain modules they make commands
with), not all of them, at its cold start."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...platform.lazy_names import lazy_names

if TYPE_CHECKING:  # what mypy sees (`Name as Name`: explicit re-exports); at run time __getattr__ imports them
    # isort: off
    from .fields import (
        Id as Id, AmountMinor as AmountMinor, Points as Points, Currency as Currency, Channel as Channel, Strict as Strict, Day as
        Day
    )
    from .accrual_requests import (
        Line as Line, PurchaseAccrual as PurchaseAccrual, ActivityAccrual as ActivityAccrual, ReceiptAccrual as ReceiptAccrual,
        AccrualRequest as AccrualRequest, ReversalRequest as ReversalRequest, AccrualSimulationRequest as
        AccrualSimulationRequest, accrual_command as accrual_command
    )
    from .member_requests import (
        Birthday as Birthday, MAX_SEGMENTS as MAX_SEGMENTS, ProfileRequest as ProfileRequest, EnrollRequest as EnrollRequest,
        StatusChangeRequest as StatusChangeRequest
    )
    from .spending_requests import (
        RedemptionRequest as RedemptionRequest, TransferRequest as TransferRequest, AdjustmentRequest as AdjustmentRequest
    )
    from .export_requests import ExportRequest as ExportRequest
    from .bulk_requests import (
        BulkCreditRequest as BulkCreditRequest, MembersChunk as MembersChunk, SegmentPage as SegmentPage, BulkCreditWork as
        BulkCreditWork
    )
    from .program_requests import ProgramDocument as ProgramDocument, ProgramEdit as ProgramEdit
    from .import_requests import (
        MAX_IMPORT_MEMBERS as MAX_IMPORT_MEMBERS, MAX_IMPORT_LOTS as MAX_IMPORT_LOTS, ImportLotRequest as ImportLotRequest,
        ImportMemberRequest as ImportMemberRequest, ImportRequest as ImportRequest, ImportUploadRequest as ImportUploadRequest,
        member_of_line as member_of_line
    )
    # isort: on

# the submodule of each name (tests/unit/test_cold_start.py checks it against the submodules)
WHERE: dict[str, str] = {
    **dict.fromkeys(("Id", "AmountMinor", "Points", "Currency", "Channel", "Strict", "Day"), "fields"),
    **dict.fromkeys(("Line", "PurchaseAccrual", "ActivityAccrual", "ReceiptAccrual", "AccrualRequest", "ReversalRequest",
                     "AccrualSimulationRequest", "accrual_command"), "accrual_requests"),
    **dict.fromkeys(("Birthday", "MAX_SEGMENTS", "ProfileRequest", "EnrollRequest", "StatusChangeRequest"), "member_requests"),
    **dict.fromkeys(("RedemptionRequest", "TransferRequest", "AdjustmentRequest"), "spending_requests"),
    **dict.fromkeys(("ExportRequest",), "export_requests"),
    **dict.fromkeys(("BulkCreditRequest", "MembersChunk", "SegmentPage", "BulkCreditWork"), "bulk_requests"),
    **dict.fromkeys(("ProgramDocument", "ProgramEdit"), "program_requests"),
    **dict.fromkeys(("MAX_IMPORT_MEMBERS", "MAX_IMPORT_LOTS", "ImportLotRequest", "ImportMemberRequest", "ImportRequest",
                     "ImportUploadRequest", "member_of_line"), "import_requests"),
}
__all__ = sorted(WHERE)


__getattr__ = lazy_names(__name__, WHERE, globals())
