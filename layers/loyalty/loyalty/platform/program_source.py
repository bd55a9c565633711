"""The program in force, as every operation reads it: `current_program()`.

Kept per container and parsed once per revision. The store's head (one small GetItem) is looked at again once the
copy is PROGRAM_CACHE_SECONDS old (30 in template.yaml), so on AWS a change reaches every container within that
and a read; the container that wrote a revision has it in force at once (`installed`). In the local run every
function shares one import of the layer, so a PUT applies to the very next request of every function, with no
read added to any request. Until a first revision is stored (a new deployment), the program is the document the
layer ships: `default_program.json`, which is the repository's program/default.json."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from time import monotonic

from ..domain.program import Program
from ..storage import program_store
from .observability import logger
from .settings import settings

SHIPPED = Path(__file__).resolve().parents[1] / "default_program.json"


@dataclass(frozen=True)
class InForce:
    revision: int  # 0: none stored yet, the shipped document
    program: Program
    checked_at: float  # monotonic() when the head was last looked at


_in_force: InForce | None = None
_lock = threading.Lock()


def current_program() -> Program:
    return in_force().program


def in_force() -> InForce:
    seen = _in_force
    now = monotonic()
    if seen is not None and now - seen.checked_at < settings().program_cache_seconds:
        return seen
    try:
        revision = program_store.head()
        if seen is not None and revision <= seen.revision:  # unchanged, or a replica behind what was installed here
            return _install(InForce(seen.revision, seen.program, now))
        return _install(InForce(revision, load(revision), now))
    except Exception:
        if seen is None:
            raise
        logger.warning("the program store could not be read; keeping revision %d", seen.revision, exc_info=True)
        return _install(InForce(seen.revision, seen.program, now))


def at_revision(revision: int) -> Program:
    """The program of a stored revision: this container's copy when it holds that one, else read and parsed."""
    seen = _in_force
    return seen.program if seen is not None and seen.revision == revision else load(revision)


def load(revision: int) -> Program:
    if revision == 0:
        return shipped_program()
    stored = program_store.read(revision)
    if stored is None:
        raise LookupError(f"the program head names revision {revision}, which is not stored")
    return Program.model_validate_json(stored.document)


@cache
def shipped_document() -> str:
    return SHIPPED.read_text(encoding="utf-8")


@cache
def shipped_program() -> Program:
    return Program.model_validate_json(shipped_document())


def installed(revision: int, program: Program) -> None:
    """A revision this container has just written: in force here at once."""
    _install(InForce(revision, program, monotonic()))


def forget() -> None:
    """Read the store afresh on next use (a test's new, empty account: revisions start again from 1)."""
    global _in_force
    with _lock:
        _in_force = None


def _install(fresh: InForce) -> InForce:
    """Never go back to an older revision (a concurrent reader may finish after a write installed a newer one)."""
    global _in_force
    with _lock:
        if _in_force is None or fresh.revision >= _in_force.revision:
            _in_force = fresh
        return _in_force
