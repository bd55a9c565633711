"""Challenges: goals counted from a member's accruals, a bonus once per member and window.

Progress lives on the member item, bounded: per challenge, figures per bucket (the window's start for a calendar
month or the whole challenge; a UTC day for a rolling window or a streak) and the windows already completed,
pruned to what a live challenge's windows can still count. Each completion is a ledger entry keyed
`challenge#<id>#<window start>` (written with "must not exist"), so the bonus is granted once per window even by
purchases that race: the member's version guards the progress and the key guards the grant."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from .. import answers
from .program import (
    ActivityGoal,
    CategoriesGoal,
    Challenge,
    Program,
    PurchasesGoal,
    RollingWindow,
    SpendGoal,
    StreakGoal,
)
from .timeutil import iso

if TYPE_CHECKING:  # a purchase is only passed through here: the points clock and the reads need no earning rules
    from .earning import Purchase

CHECKIN = "checkin"
WindowKind = Literal["calendar_month", "days", "challenge"]


class ChallengeProgress(BaseModel):
    figures: dict[str, int] = {}  # bucket -> purchases, spend or accruals of the activity; streak: day -> 1
    categories: dict[str, list[str]] = {}  # bucket -> distinct categories bought (distinct_categories goals)
    completed: dict[str, str] = {}  # window start (ISO date) -> when its bonus was granted


@dataclass(frozen=True)
class Window:
    kind: WindowKind
    start: date
    end: date  # exclusive

    @property
    def key(self) -> str:
        return self.start.isoformat()


@dataclass(frozen=True)
class Completion:
    challenge: Challenge
    window: Window
    completed_at: datetime

    @property
    def entry_key(self) -> str:
        return entry_key(self.challenge, self.window)


def entry_key(challenge: Challenge, window: Window) -> str:
    """The ledger key of a window's bonus: written with "must not exist", so it is granted once."""
    return f"challenge#{challenge.challenge_id}#{window.key}"


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _end_day(moment: datetime) -> date:
    """The first UTC day wholly after an instant (a challenge ending at midnight ends with the day before)."""
    utc = moment.astimezone(UTC)
    return utc.date() if utc.time() == time(0) else utc.date() + timedelta(days=1)


def window_of(challenge: Challenge, day: date) -> Window:
    """The window a day belongs to: its calendar month, the n days ending on it, or the whole challenge."""
    if challenge.window == "calendar_month":
        start = day.replace(day=1)
        return Window("calendar_month", start, _next_month(start))
    if isinstance(challenge.window, RollingWindow):
        return Window("days", day - timedelta(days=challenge.window.days - 1), day + timedelta(days=1))
    return Window("challenge", challenge.starts_at.astimezone(UTC).date(), _end_day(challenge.ends_at))


def takes_part(challenge: Challenge, segments: list[str]) -> bool:
    return not challenge.segments or bool(set(challenge.segments) & set(segments))


def _rolling(challenge: Challenge) -> bool:
    return isinstance(challenge.window, RollingWindow)


def _by_day(challenge: Challenge) -> bool:
    return _rolling(challenge) or isinstance(challenge.goal, StreakGoal)


def _last_rolling_completion(challenge: Challenge, progress: ChallengeProgress) -> date | None:
    """A rolling window restarts after a completion: only the days after the window that completed count."""
    if not isinstance(challenge.window, RollingWindow) or not progress.completed:
        return None
    return date.fromisoformat(max(progress.completed)) + timedelta(days=challenge.window.days - 1)


def _counted_days(challenge: Challenge, progress: ChallengeProgress, window: Window) -> list[str]:
    after = _last_rolling_completion(challenge, progress)
    low = max(window.start, after + timedelta(days=1)) if after else window.start
    return [d for d in progress.figures if low.isoformat() <= d < window.end.isoformat()]


def _streak(challenge: Challenge, progress: ChallengeProgress, window: Window, day: date) -> int:
    """Consecutive check-in days ending on `day` (or the day before, while today's check-in may still come)."""
    days = set(_counted_days(challenge, progress, window))
    if day.isoformat() not in days:
        day -= timedelta(days=1)
    run = 0
    while (day - timedelta(days=run)).isoformat() in days:
        run += 1
    return run


def progress_of(challenge: Challenge, progress: ChallengeProgress, window: Window, day: date) -> int:
    """The figure the goal compares with its target, within the window, as of `day`."""
    if isinstance(challenge.goal, StreakGoal):
        return _streak(challenge, progress, window, day)
    buckets = _counted_days(challenge, progress, window) if _rolling(challenge) else [window.key]
    if isinstance(challenge.goal, CategoriesGoal):
        return len({c for b in buckets for c in progress.categories.get(b, [])})
    return sum(progress.figures.get(b, 0) for b in buckets)


def _contribution(challenge: Challenge, purchase: Purchase | None, activity: str | None) -> int | list[str] | None:
    """What one accrual adds to a goal: a count, an amount, categories; None when it does not count."""
    goal = challenge.goal
    if isinstance(goal, PurchasesGoal):
        return 1 if purchase is not None else None
    if isinstance(goal, SpendGoal):
        return purchase.amount_minor if purchase is not None and purchase.currency == goal.currency else None
    if isinstance(goal, CategoriesGoal):
        cats = sorted({line.category for line in purchase.lines if line.category}) if purchase is not None else []
        return cats or None
    if isinstance(goal, StreakGoal):
        return 1 if activity == CHECKIN else None
    assert isinstance(goal, ActivityGoal)
    return 1 if activity == goal.activity else None


def _prune(challenge: Challenge, progress: ChallengeProgress, today: date, oldest: date) -> None:
    """Keep only what the windows that can still count need: a rolling window n days, a streak its length (plus the
    day before), a calendar month or the whole challenge while an accrual may still be dated in it (`oldest`)."""
    if isinstance(challenge.window, RollingWindow):
        horizon = today - timedelta(days=challenge.window.days)
        after = _last_rolling_completion(challenge, progress)
        day_horizon = max(horizon, after) if after is not None else horizon
        progress.completed = dict(sorted(progress.completed.items())[-1:])
    else:
        progress.completed = {k: v for k, v in progress.completed.items()
                              if window_of(challenge, date.fromisoformat(k)).end > oldest}
        day_horizon = oldest - timedelta(days=challenge.target + 1)  # a streak's days

    def keep(bucket: str) -> bool:
        if _by_day(challenge):
            return bucket > day_horizon.isoformat()
        return window_of(challenge, date.fromisoformat(bucket)).end > oldest

    progress.figures = {b: v for b, v in progress.figures.items() if keep(b)}
    progress.categories = {b: v for b, v in progress.categories.items() if keep(b)}


def prune(program: Program, challenges: dict[str, ChallengeProgress], today: date,
          oldest: date) -> dict[str, ChallengeProgress]:
    """Forget challenges no longer in the program or ended before any accrual can still be dated in them."""
    kept = {}
    for challenge in program.challenges:
        progress = challenges.get(challenge.challenge_id)
        if progress is None or _end_day(challenge.ends_at) <= oldest:
            continue
        _prune(challenge, progress, today, oldest)
        if progress.figures or progress.categories or progress.completed:
            kept[challenge.challenge_id] = progress
    return kept


def record(program: Program, challenges: dict[str, ChallengeProgress], segments: list[str], occurred_at: datetime,
           now: datetime, purchase: Purchase | None, activity: str | None,
           taken: frozenset[str] = frozenset()) -> list[Completion]:
    """Count one accrual towards every challenge it takes part in; returns the goals it reached whose bonus is still
    to grant (`taken`: bonus keys a write found already in the ledger; their windows are done, nothing is granted).

    A calendar month or a whole challenge is the window of the accrual's day (a late purchase counts in the month it
    was made); a rolling window is the n days ending today (an accrual dated before them counts for none)."""
    done = []
    today = now.astimezone(UTC).date()
    day = occurred_at.astimezone(UTC).date()
    for challenge in program.challenges:
        if not (challenge.starts_at <= occurred_at < challenge.ends_at and takes_part(challenge, segments)):
            continue
        added = _contribution(challenge, purchase, activity)
        if added is None:
            continue
        window = window_of(challenge, today if _rolling(challenge) else day)
        if _rolling(challenge) and day < window.start:
            continue
        progress = challenges.setdefault(challenge.challenge_id, ChallengeProgress())
        if window.key in progress.completed:
            continue  # once per window; a rolling window restarts after the window that completed
        bucket = day.isoformat() if _by_day(challenge) else window.key
        if isinstance(added, list):
            have = progress.categories.get(bucket, [])
            progress.categories[bucket] = sorted({*have, *added})[: max(challenge.target, len(have))]
        elif isinstance(challenge.goal, StreakGoal):
            progress.figures[bucket] = 1
        else:
            progress.figures[bucket] = progress.figures.get(bucket, 0) + added
        if progress_of(challenge, progress, window, today if _rolling(challenge) else day) >= challenge.target:
            progress.completed[window.key] = iso(now)
            if entry_key(challenge, window) not in taken:
                done.append(Completion(challenge, window, now))
    return done


def statuses(program: Program, challenges: dict[str, ChallengeProgress], segments: list[str],
             today: date) -> list[answers.ChallengeStatus]:
    """The live challenges the member takes part in, with progress within today's window."""
    day_start = datetime.combine(today, time(0), tzinfo=UTC)
    shown = []
    for challenge in program.challenges:
        if not (challenge.starts_at < day_start + timedelta(days=1) and day_start < challenge.ends_at):
            continue
        if not takes_part(challenge, segments):
            continue
        progress = challenges.get(challenge.challenge_id, ChallengeProgress())
        window = window_of(challenge, today)
        completed_at = progress.completed.get(window.key)
        if completed_at is None and _rolling(challenge):
            after = _last_rolling_completion(challenge, progress)
            if after is not None and after >= window.start:
                completed_at = progress.completed[max(progress.completed)]
        shown.append(answers.ChallengeStatus(challenge_id=challenge.challenge_id,
                                             progress=progress_of(challenge, progress, window, today),
                                             target=challenge.target, completed_at=completed_at))
    return shown
