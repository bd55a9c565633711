"""Run a keyed write exactly once: retry on contention, answer replays with the original response."""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from ..domain.errors import BusinessRuleRefused, ErrorCode, InvalidRequest, NotFound, Throttled, idempotency_mismatch
from ..domain.ledger import Command, Posting
from ..platform.observability import logger, metrics
from ..storage import repository
from ..storage.conflicts import BudgetShort, ConcurrentChange, KeyAlreadyUsed
from .budgets import SliceChooser

MAX_ATTEMPTS = 30
T = TypeVar("T", bound=BaseModel)


def fingerprint(command: Command) -> str:
    """A stable digest of an operation's command, to tell a replay from a changed request. Built from the command,
    not the bytes sent, so the same request over HTTP or as an event is one request."""
    canonical = json.dumps(command.idempotency_payload(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def backoff(attempt: int) -> None:
    """Full-jitter exponential backoff, capped at 0.5 s: contention on one member resolves in a few rounds."""
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


def replay(member_id: str, key: str, sent: str | None, answer: type[T]) -> T | None:
    """The original answer of an applied key; None if the key is unused or the operation is not replayable."""
    entry = repository.get_entry(member_id, key) if sent is not None else None
    if entry is None or entry.response is None:
        return None
    if entry.fingerprint != sent:
        raise idempotency_mismatch(key.split("#", 1)[1])
    metrics.add_metric(name="IdempotentReplay", unit="Count", value=1)
    return answer.model_validate(entry.response)  # its events went out with the original write (outbox)


def execute(member_id: str, key: str, command: Command | None, build: Callable[[], Posting], answer: type[T],
            taken: set[str] | None = None, budget: SliceChooser | None = None) -> T:
    """`build` reads the state and returns the posting, one of whose entries carries the idempotency key.
    With no command the operation is not replayable: a second application is refused as ALREADY_APPLIED.
    Another key of the posting (a challenge window's bonus) found written is added to `taken`, which `build` reads
    on the next attempt, so that it is never written twice and the operation still applies. A budget slice that
    cannot cover a draw is refused to `budget`, and the posting built again at once."""
    sent = None if command is None else fingerprint(command)
    attempt = 0
    while attempt < MAX_ATTEMPTS:
        try:
            response = _stamped(build(), member_id, key, sent, answer)
        except (BusinessRuleRefused, InvalidRequest, NotFound) as refused:
            # a replay of a request that once succeeded must answer as it did, even if the rule now refuses
            return _replayed_or(refused, replay(member_id, key, sent, answer))
        except KeyAlreadyUsed as used:
            if taken is not None and used.member_id == member_id and used.key != key:
                taken.add(used.key)  # a concurrent write (or an earlier one) granted it: re-read, without it
                metrics.add_metric(name="WriteConflict", unit="Count", value=1)
                backoff(attempt)
                continue
            return _answer_of_applied(used, member_id, key, sent, answer)
        except BudgetShort as short:
            if budget is None:
                raise
            metrics.add_metric(name="BudgetSliceShort", unit="Count", value=1)
            budget.refuse(short.draw)  # never drawn on again in this request: the rebuilds end
            continue
        except ConcurrentChange:
            metrics.add_metric(name="WriteConflict", unit="Count", value=1)
            backoff(attempt)
            attempt += 1
            continue
        return response
    logger.warning("gave up after contention", extra={"member_id": member_id, "key": key})
    raise Throttled(ErrorCode.THROTTLED, "too many concurrent changes to this member; retry later")


def _stamped(posting: Posting, member_id: str, key: str, sent: str | None, answer: type[T]) -> T:
    """Commit the posting with its answer and fingerprint on the keyed entry, so that a replay finds both."""
    response = posting.response
    assert isinstance(response, answer), f"{key} answered {type(response).__name__}, not {answer.__name__}"
    keyed = next(e for e in posting.entries if e.key == key and e.member_id == member_id)
    keyed.fingerprint, keyed.response = sent, response.model_dump(mode="json")
    repository.commit(posting)
    return response


def _replayed_or(error: Exception, previous: T | None) -> T:
    if previous is None:
        raise error
    return previous


def _answer_of_applied(used: KeyAlreadyUsed, member_id: str, key: str, sent: str | None, answer: type[T]) -> T:
    """The operation's own key was written already: the original answer, or ALREADY_APPLIED if not replayable."""
    if (used.member_id, used.key) != (member_id, key):
        raise used
    previous = replay(member_id, key, sent, answer)
    if previous is not None:
        return previous
    raise BusinessRuleRefused(ErrorCode.ALREADY_APPLIED, f"{key} was already applied") from used


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
    raise Throttled(ErrorCode.THROTTLED, "too many concurrent changes")
