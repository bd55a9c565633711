"""Who may do what. Claims come from the API Gateway JWT authorizer (`sub`, space-separated `scope`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from ..domain.errors import ErrorCode, Forbidden

SERVICE_SCOPE = "loyalty/service"
ADMIN_SCOPE = "loyalty/admin"

Action = Literal["enroll", "read", "accrue", "reverse", "redeem", "cancel", "transfer", "adjust", "stats", "program",
                 "profile", "segment", "simulate", "import", "export", "block", "erase", "member_export"]

# what each kind of caller may do; a member may only act on itself; "block" (and unblock) and "erase": admin only;
# "member_export" is one member's data (itself, or an admin), "export" the BI exports of the program (admin)
MEMBER_ACTIONS: frozenset[str] = frozenset({"enroll", "read", "redeem", "cancel", "transfer"} | {"profile"}
                                           | {"member_export"})
SERVICE_ACTIONS: frozenset[str] = frozenset({"enroll", "read", "accrue", "reverse", "redeem", "cancel"}
                                            | {"profile", "segment"})


class Unauthorized(Exception):
    """No verified token: answered as API Gateway's authorizer answers it, {"message": "Unauthorized"}."""


@dataclass(frozen=True)
class Caller:
    sub: str
    scopes: frozenset[str]

    @classmethod
    def from_event(cls, event: APIGatewayProxyEventV2) -> Caller:
        claims = event.request_context.authorizer.jwt_claim if event.request_context.authorizer else {}
        sub = claims.get("sub")
        if not sub:
            raise Unauthorized("a bearer token is required")
        scope = claims.get("scope") or ""
        scopes = scope.strip("[]").replace(",", " ").split() if isinstance(scope, str) else list(scope)
        return cls(str(sub), frozenset(scopes))

    @property
    def privileged(self) -> bool:
        """A service or an admin, as opposed to a member acting for itself."""
        return bool({SERVICE_SCOPE, ADMIN_SCOPE} & self.scopes)

    def allow(self, action: Action, member_id: str | None = None) -> None:
        """Raise 403 unless this caller may do `action` for `member_id` (never 404: no existence leak)."""
        if ADMIN_SCOPE in self.scopes:
            return
        if SERVICE_SCOPE in self.scopes and action in SERVICE_ACTIONS:
            return
        if action in MEMBER_ACTIONS and member_id is not None and member_id == self.sub:
            return
        raise Forbidden(ErrorCode.FORBIDDEN, f"this token may not {action} for {member_id or 'the program'}")
