"""Domain refusals. Each carries the contract's error code; the HTTP edge maps the class to a status."""


class LoyaltyError(Exception):
    code = "LOYALTY_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LoyaltyError):
    """404: unknown member, reward, transaction or redemption."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class BusinessRuleRefused(LoyaltyError):
    """409: a business rule refused the operation."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Forbidden(LoyaltyError):
    code = "FORBIDDEN"


class InvalidRequest(LoyaltyError):
    """422 raised by a rule that needs state or the program to check the input (unknown activity...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def insufficient_points(needed: int, spendable: int) -> BusinessRuleRefused:
    return BusinessRuleRefused("INSUFFICIENT_POINTS", f"needs {needed} points, {spendable} can be spent")


def idempotency_mismatch(key: str) -> BusinessRuleRefused:
    return BusinessRuleRefused("IDEMPOTENCY_MISMATCH", f"{key} was already used with a different request")
