"""The catalog's and the program admin's answers."""
from __future__ import annotations

from pydantic import Field

from ..domain.program import Program, ProgramRules, Reward
from .base import Answer


class RewardListing(Reward):
    stock_left: int | None = Field(None, description="units left of a limited reward; null when unlimited")


class RewardsPage(Answer):
    items: list[RewardListing]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null on the last")


class ProgramAtRevision(Answer):
    """The program document in force and its revision: a PUT names the revision it edits."""

    program: Program
    revision: int


class ProgramRevision(Answer):
    revision: int
    changed_at: str
    changed_by: str = Field(description="the `sub` of the token that wrote it (`seed`: the shipped program)")
    summary: str = Field(description="what changed: ids added (+), removed (-), changed (~), other parts changed")


class RevisionsPage(Answer):
    items: list[ProgramRevision]
    next_cursor: str | None = Field(description="the `cursor` of the next (older) page; null on the last")


class PublicProgram(ProgramRules):
    """The program's public rules: earning, tiers, activities, expiry (the catalog is GET /v1/rewards)."""
