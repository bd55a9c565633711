"""The mixed workload a client team sends: what each request is and how its answer counts, without the load tool.

Each simulated client enrolls members of its own (with an admin credit, so that redemptions and transfers can
apply), then loops over purchases, member reads, history reads, redemptions and transfers to other members.
Requests are plain data (`Request`) so that the locust user and the smoke test send the same ones."""
from __future__ import annotations

import itertools
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SERVICE = ("bench-checkout", "loyalty/service")
ADMIN = ("bench-ops", "loyalty/admin")
CREDIT_POINTS = 5000  # enough for ten coffees: redemptions mostly apply instead of being refused
REWARD = "coffee"
TRANSFER_POINTS = 25
INSUFFICIENT = frozenset({(409, "INSUFFICIENT_POINTS")})

# step name -> weight: reads and purchases dominate, as at a checkout
WEIGHTS = {"purchase": 4, "member": 4, "history": 2, "redeem": 1, "transfer": 1, "enroll": 1}

_sequence = itertools.count()


def unique(prefix: str) -> str:
    """An idempotency key never sent before: a replay would be answered from the ledger and cost less."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}-{next(_sequence)}"


@dataclass(frozen=True)
class Request:
    name: str  # the route, as the statistics group it
    method: str
    path: str
    sub: str
    scope: str = ""
    body: dict[str, Any] | None = None
    refusals: frozenset[tuple[int, str]] = frozenset()  # business refusals that are not errors
    enrolls: str | None = None  # the member this request enrolls


def outcome(request: Request, status: int, body: Any) -> str:
    """`ok` (2xx), `refused` (an expected business 4xx, e.g. insufficient points) or `error`."""
    if 200 <= status < 300:
        return "ok"
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    return "refused" if (status, code) in request.refusals else "error"


@dataclass
class Tally:
    """Errors by status and expected refusals by code, shared by every client of one measurement."""
    errors: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, request: Request, status: int, body: Any) -> str:
        result = outcome(request, status, body)
        with self._lock:
            if result == "error":
                self.errors[str(status) if status else "no answer"] += 1
            elif result == "refused":
                self.refused[f"{status} {body['error']['code']}"] += 1
        return result

    def snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            return dict(self.errors), dict(self.refused)


class MemberPool:
    """Every member the workload enrolled, across clients: the recipients of transfers."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def add(self, member_id: str) -> None:
        with self._lock:
            self._ids.append(member_id)

    def other_than(self, member_id: str, rng: random.Random) -> str | None:
        with self._lock:
            if len(self._ids) < 2:
                return None
            while (chosen := rng.choice(self._ids)) == member_id:
                pass
            return chosen


def enrollment(member_id: str, credit: int = CREDIT_POINTS) -> list[Request]:
    steps = [Request("POST /v1/members", "POST", "/v1/members", *SERVICE, body={"member_id": member_id},
                     enrolls=member_id)]
    if credit:
        steps.append(Request("POST /v1/admin/members/{id}/adjustments", "POST",
                             f"/v1/admin/members/{member_id}/adjustments", *ADMIN,
                             body={"adjustment_id": unique("credit"), "points": credit, "reason": "bench"}))
    return steps


def purchase(member_id: str, rng: random.Random) -> Request:
    body: dict[str, Any] = {"transaction_id": unique("pay"), "kind": "purchase",
                            "amount_minor": rng.randint(500, 30000), "currency": "USD", "channel": "online"}
    if rng.random() < 0.5:
        body["lines"] = [{"sku": "A1", "category": "private-label", "amount_minor": 400}]
    return Request("POST /v1/members/{id}/accruals", "POST", f"/v1/members/{member_id}/accruals", *SERVICE,
                   body=body)


def member_view(member_id: str) -> Request:
    return Request("GET /v1/members/{id}", "GET", f"/v1/members/{member_id}", member_id)


def history(member_id: str) -> Request:
    return Request("GET /v1/members/{id}/transactions", "GET", f"/v1/members/{member_id}/transactions?limit=20",
                   member_id)


def redemption(member_id: str) -> Request:
    return Request("POST /v1/members/{id}/redemptions", "POST", f"/v1/members/{member_id}/redemptions",
                   member_id, body={"redemption_id": unique("r"), "reward_id": REWARD}, refusals=INSUFFICIENT)


def transfer(member_id: str, to_member_id: str) -> Request:
    return Request("POST /v1/members/{id}/transfers", "POST", f"/v1/members/{member_id}/transfers", member_id,
                   body={"transfer_id": unique("t"), "to_member_id": to_member_id, "points": TRANSFER_POINTS},
                   refusals=INSUFFICIENT)


class Workload:
    """One client: the members it enrolled and the requests of its next step."""

    def __init__(self, pool: MemberPool, rng: random.Random, prefix: str) -> None:
        self.pool = pool
        self.rng = rng
        self.prefix = prefix
        self.members: list[str] = []
        self._steps: dict[str, Callable[[str], list[Request]]] = {
            "purchase": lambda m: [purchase(m, self.rng)],
            "member": lambda m: [member_view(m)],
            "history": lambda m: [history(m)],
            "redeem": lambda m: [redemption(m)],
            "transfer": self._transfer,
            "enroll": lambda m: self.enroll(),
        }

    def enroll(self) -> list[Request]:
        return enrollment(unique(self.prefix))

    def next_step(self) -> list[Request]:
        if not self.members:
            return self.enroll()
        return self.step(self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0])

    def step(self, name: str) -> list[Request]:
        """The requests of one step of WEIGHTS, for one of this client's members."""
        return self._steps[name](self.rng.choice(self.members))

    def answered(self, request: Request, result: str) -> None:
        if request.enrolls and result == "ok":
            self.members.append(request.enrolls)
            self.pool.add(request.enrolls)

    def _transfer(self, member_id: str) -> list[Request]:
        to = self.pool.other_than(member_id, self.rng)
        return [transfer(member_id, to)] if to else [member_view(member_id)]
