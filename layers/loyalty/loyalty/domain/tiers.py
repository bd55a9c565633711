"""Tier rules: qualifying points over a rolling window, upgrades at once, downgrades one tier per review."""
from __future__ import annotations

from datetime import date, timedelta

from .program import Program, Tier


def qualifying_total(by_day: dict[str, int], today: date, window_days: int) -> int:
    horizon = (today - timedelta(days=window_days)).isoformat()
    return sum(points for day, points in by_day.items() if day > horizon)


def prune_qualifying(by_day: dict[str, int], today: date, window_days: int) -> dict[str, int]:
    horizon = (today - timedelta(days=window_days)).isoformat()
    return {day: points for day, points in by_day.items() if day > horizon and points}


def earned_tier(program: Program, qualifying: int) -> Tier:
    return [t for t in program.tiers if t.qualifying_points <= qualifying][-1]


def upgraded_tier(program: Program, current: str, qualifying: int) -> str | None:
    """The tier to move up to now, or None. Upgrades may skip tiers."""
    target = earned_tier(program, qualifying)
    return target.name if program.tier_index(target.name) > program.tier_index(current) else None


def reviewed_tier(program: Program, current: str, qualifying: int) -> str:
    """At a review: keep the tier if still earned, else move down exactly one tier."""
    earned = program.tier_index(earned_tier(program, qualifying).name)
    held = program.tier_index(current)
    if earned >= held:
        return program.tiers[earned].name
    return program.tiers[held - 1].name


def next_tier(program: Program, current: str, qualifying: int) -> tuple[str, int] | None:
    """The next tier up and the qualifying points still needed to reach it."""
    index = program.tier_index(current)
    if index + 1 >= len(program.tiers):
        return None
    nxt = program.tiers[index + 1]
    return nxt.name, max(0, nxt.qualifying_points - qualifying)


def review_date(program: Program, today: date, tier: str) -> date | None:
    """Members above the base tier are reviewed `tier_review_days` after they reach or keep their tier."""
    return None if program.tier_index(tier) == 0 else today + timedelta(days=program.tier_review_days)
