"""Domain refusals. Each carries one of the contract's error codes; the HTTP edge maps the class to a status."""
from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every `error.code` the API can answer (the README's table lists them with their status)."""

    INVALID_REQUEST = "INVALID_REQUEST"  # 422: the request does not match its schema
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"  # 422
    UNKNOWN_ACTIVITY = "UNKNOWN_ACTIVITY"  # 422
    OCCURRED_AT_IN_FUTURE = "OCCURRED_AT_IN_FUTURE"  # 422
    OCCURRED_AT_TOO_OLD = "OCCURRED_AT_TOO_OLD"  # 422
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"  # 413
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"  # 415: a body that is not sent as JSON
    FORBIDDEN = "FORBIDDEN"  # 403
    NOT_FOUND = "NOT_FOUND"  # 404: no such route
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"  # 404
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"  # 404
    TRANSACTION_NOT_FOUND = "TRANSACTION_NOT_FOUND"  # 404
    REDEMPTION_NOT_FOUND = "REDEMPTION_NOT_FOUND"  # 404
    IMPORT_NOT_FOUND = "IMPORT_NOT_FOUND"  # 404: no import started, or no file uploaded, under that import_id
    REFERRAL_CODE_NOT_FOUND = "REFERRAL_CODE_NOT_FOUND"  # 404
    EXPORT_NOT_FOUND = "EXPORT_NOT_FOUND"  # 404: no export job with that id
    BULK_CREDIT_NOT_FOUND = "BULK_CREDIT_NOT_FOUND"  # 404
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"  # 409
    OUT_OF_STOCK = "OUT_OF_STOCK"  # 409
    TIER_REQUIRED = "TIER_REQUIRED"  # 409
    ACTIVITY_CAP_REACHED = "ACTIVITY_CAP_REACHED"  # 409
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"  # 409
    ALREADY_ENROLLED = "ALREADY_ENROLLED"  # 409
    ALREADY_CANCELLED = "ALREADY_CANCELLED"  # 409
    ALREADY_APPLIED = "ALREADY_APPLIED"  # 409
    SELF_REFERRAL = "SELF_REFERRAL"  # 409
    SAME_MEMBER = "SAME_MEMBER"  # 409
    REFUND_EXCEEDS_AMOUNT = "REFUND_EXCEEDS_AMOUNT"  # 409
    REVISION_CONFLICT = "REVISION_CONFLICT"  # 409: the program changed since the revision a PUT edits
    INVALID_PROGRAM = "INVALID_PROGRAM"  # 422: a program document that does not validate (error.details)
    RECEIPT_ALREADY_USED = "RECEIPT_ALREADY_USED"  # 409: another member's accrual holds this store's receipt
    INVALID_LOT = "INVALID_LOT"  # an imported lot expires before it was earned, or has expired (refuses its member)
    MEMBER_BLOCKED = "MEMBER_BLOCKED"  # 409: a blocked member cannot earn, redeem, transfer or receive a transfer
    THROTTLED = "THROTTLED"  # 429
    INTERNAL_ERROR = "INTERNAL_ERROR"  # 500: a bug; the request may be retried safely


class LoyaltyError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: list[tuple[str, str]] = []  # (path, message) pairs, for errors that point into a document


class InvalidRequest(LoyaltyError):
    """422 raised by a rule that needs state or the program to check the input (unknown activity...)."""


class InvalidProgram(InvalidRequest):
    """422 INVALID_PROGRAM: each detail is (path in the document, what is wrong there); the first 100 are kept."""

    MAX_DETAILS = 100

    def __init__(self, details: list[tuple[str, str]]) -> None:
        first = f"{details[0][0] or 'program'}: {details[0][1]}" if details else "invalid"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        super().__init__(ErrorCode.INVALID_PROGRAM, f"the program document is invalid: {first}{more}")
        self.details = details[:self.MAX_DETAILS]


class PayloadTooLarge(LoyaltyError):
    """413: a body beyond the contract's limit."""


class UnsupportedMediaType(LoyaltyError):
    """415: a body sent as something other than JSON."""


class Forbidden(LoyaltyError):
    """403: this token may not do that (never 404: no existence leak)."""


class NotFound(LoyaltyError):
    """404: unknown member, reward, transaction or redemption."""


class BusinessRuleRefused(LoyaltyError):
    """409: a business rule refused the operation."""


class Throttled(LoyaltyError):
    """429: contention that retries could not resolve in time."""


def insufficient_points(needed: int, spendable: int) -> BusinessRuleRefused:
    return BusinessRuleRefused(ErrorCode.INSUFFICIENT_POINTS, f"needs {needed} points, {spendable} can be spent")


def idempotency_mismatch(key: str) -> BusinessRuleRefused:
    return BusinessRuleRefused(ErrorCode.IDEMPOTENCY_MISMATCH, f"{key} was already used with a different request")
