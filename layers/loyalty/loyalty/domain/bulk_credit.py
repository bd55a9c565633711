"""Bulk credits: one adjustment credit per member of a list or a segment, exactly once per credit id.

A bulk credit is a job: its members come in chunks (a list is chunked when it is sent; a segment is found page by
page by the worker), each member gets one outcome, credited or skipped, and the job is done once every member
it found has one. Each member's credit is the adjustment credit of `spending.adjust`, keyed by the credit id, so
the ledger entry's key makes it once per member whatever the deliveries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from . import spending
from .ledger import Command, Posting
from .member import MemberState
from .program import Program
from .spending import AdjustmentCommand

MAX_MEMBERS = 10_000  # member ids a call may list; a larger audience is a segment
CHUNK = 100  # members a queue message carries: its batch item is retried whole, which replays the credited ones

Outcome = Literal["credited", "skipped"]


@dataclass(frozen=True)
class BulkCreditCommand(Command):
    credit_id: str
    points: int
    reason: str
    member_ids: tuple[str, ...] | None = None
    segment: str | None = None


@dataclass
class BulkCreditJob:
    credit_id: str
    fingerprint: str  # of the command: a replay of the POST, or a message of this job (not of an earlier body)
    points: int
    reason: str
    segment: str | None
    created_at: datetime
    members: int = 0  # members found so far (all of a list at once; a segment's as its pages are read)
    expanded: bool = False  # every member has been found (and sent to be credited)
    queued: bool = False  # the POST's messages were all accepted by the queue
    credited: int = 0
    skipped: int = 0

    @property
    def status(self) -> Literal["running", "done"]:
        return "done" if self.expanded and self.credited + self.skipped >= self.members else "running"


def adjustment_id(credit_id: str) -> str:
    """The adjustment a bulk credit makes for each member. `#` is not an id character, so a manual adjustment
    can never take the key of a bulk credit."""
    return f"bulk#{credit_id}"


def adjustment(job: BulkCreditJob) -> AdjustmentCommand:
    return AdjustmentCommand(adjustment_id(job.credit_id), "credit", job.points, job.reason)


def credit(program: Program, member: MemberState, job: BulkCreditJob, now: datetime) -> Posting:
    """A member's share of a bulk credit: the adjustment credit. A blocked member is refused it as every credit
    (`spending.adjust`: MEMBER_BLOCKED), so it is skipped."""
    return spending.adjust(program, member, adjustment(job), now)


def new_job(cmd: BulkCreditCommand, fingerprint: str, now: datetime) -> BulkCreditJob:
    listed = audience(cmd)
    return BulkCreditJob(cmd.credit_id, fingerprint, cmd.points, cmd.reason, cmd.segment, now,
                         members=len(listed), expanded=cmd.segment is None)


def audience(cmd: BulkCreditCommand) -> list[str]:
    """The listed members, each once, in the order sent (a repeated id is one member)."""
    return list(dict.fromkeys(cmd.member_ids or ()))


def chunks(member_ids: list[str], size: int = CHUNK) -> list[list[str]]:
    return [member_ids[i:i + size] for i in range(0, len(member_ids), size)]


def credit_of(entry_key: str) -> str | None:
    """The bulk credit id of a ledger entry's key, None for any other entry."""
    prefix = "adjustment#bulk#"
    return entry_key[len(prefix):] if entry_key.startswith(prefix) else None


def check_job(credit_id: str, job: BulkCreditJob | None, credited: list[str],
              outcomes: dict[str, str | None]) -> list[str]:
    """A bulk credit as the ledger has it (`credited`: the members with its entry) against its job: the job exists,
    each credited member has its `credited` outcome, and the job counts exactly those. A member credited by a
    delivery that then crashed lacks its outcome until the message is received again: run the audit when the queue
    is empty."""
    if job is None:
        return [f"bulk credit {credit_id}: ledger entries without a job"]
    problems = [f"bulk credit {credit_id}: {m} credited, its outcome is {outcomes.get(m)}"
                for m in sorted(credited) if outcomes.get(m) != "credited"]
    if job.credited != len(credited):
        problems.append(f"bulk credit {credit_id}: counts {job.credited} credited, the ledger {len(credited)}")
    return problems


def in_segment(segments: list[str], segment: str) -> bool:
    return segment in segments
