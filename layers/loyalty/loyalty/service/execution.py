"""Run a keyed write exactly once: retry on contention, answer replays with the original response."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from ..domain.errors import BusinessRuleRefused, InvalidRequest, LoyaltyError, NotFound, idempotency_mismatch
from ..domain.ledger import Posting
from ..platform.observability import logger, metrics
from ..storage import repository
from ..storage.repository import ConcurrentChange, KeyAlreadyUsed

MAX_ATTEMPTS = 30


class Throttled(LoyaltyError):
    code = "THROTTLED"


def backoff(attempt: int) -> None:
    """Full-jitter exponential backoff, capped at 0.5 s: contention on one member resolves in a few rounds."""
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


def replay(member_id: str, key: str, fingerprint: str | None) -> dict[str, Any] | None:
    """The original answer of an applied key; None if the key is unused or the operation is not replayable."""
    entry = repository.get_entry(member_id, key) if fingerprint is not None else None
    if entry is None:
        return None
    if entry.fingerprint != fingerprint:
        raise idempotency_mismatch(key.split("#", 1)[1])
    metrics.add_metric(name="IdempotentReplay", unit="Count", value=1)
    return entry.response  # the events went out with the original write (outbox): a replay announces nothing


def execute(member_id: str, key: str, fingerprint: str | None, build: Callable[[], Posting]) -> dict[str, Any]:
    """`build` reads the state and returns the posting, one of whose entries carries the idempotency key.
    With no fingerprint the operation is not replayable: a second application is refused as ALREADY_APPLIED."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            posting = build()
        except (BusinessRuleRefused, InvalidRequest, NotFound):
            # a replay of a request that once succeeded must answer as it did, even if the rule now refuses
            previous = replay(member_id, key, fingerprint)
            if previous is not None:
                return previous
            raise
        keyed = next(e for e in posting.entries if e.key == key and e.member_id == member_id)
        keyed.fingerprint, keyed.response = fingerprint, posting.response
        try:
            repository.commit(posting)
        except KeyAlreadyUsed as used:
            if (used.member_id, used.key) != (member_id, key):
                raise
            previous = replay(member_id, key, fingerprint)
            if previous is not None:
                return previous
            raise BusinessRuleRefused("ALREADY_APPLIED", f"{key} was already applied") from used
        except ConcurrentChange:
            metrics.add_metric(name="WriteConflict", unit="Count", value=1)
            backoff(attempt)
            continue
        assert posting.response is not None
        return posting.response
    logger.warning("gave up after contention", extra={"member_id": member_id, "key": key})
    raise Throttled("too many concurrent changes to this member; retry later")


def write_unkeyed(build: Callable[[int], Posting]) -> Posting:
    """For the clock and tier jobs: no client key, the member's version alone guards the write."""
    for attempt in range(MAX_ATTEMPTS):
        posting = build(attempt)
        if posting.empty:
            return posting
        try:
            repository.commit(posting)
        except ConcurrentChange:
            backoff(attempt)
            continue
        return posting
    raise Throttled("too many concurrent changes")
