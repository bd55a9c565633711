"""Python's full garbage collections, kept from scanning the tables over and over.

moto keeps every item as Python objects (an Item, a dict, a DynamoType per attribute), and a full collection
visits every object the process holds: at 100 000 items `make bench-local` measured one of 0.5 to 1 s every 15 to
25 s under load, a few per cent of the run's time, more with 50 clients (more objects in flight live long enough
to be promoted). After each full collection, what survived it is moved to the permanent generation (`gc.freeze`),
so the next one visits only what is newer. What is frozen is still freed when its last reference goes (every
item moto replaces or deletes); only a reference cycle that was alive at a freeze and becomes garbage later is
kept, and the local run makes few (its tables, modules and containers live as long as it does)."""
from __future__ import annotations

import gc
import threading
from typing import Any

_collected = threading.Event()
_stopping = threading.Event()


def _noted(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        _collected.set()  # freezing from inside the collector's callback is not allowed: a thread does it


def _freezer() -> None:
    while _collected.wait() and not _stopping.is_set():
        _collected.clear()
        gc.freeze()


def freeze_after_full_collections() -> None:
    """From now on, until `stop()`: each full collection's survivors are frozen."""
    if _noted in gc.callbacks:
        return
    _stopping.clear()
    gc.callbacks.append(_noted)
    threading.Thread(target=_freezer, name="local-gc-freeze", daemon=True).start()


def stop() -> None:
    if _noted in gc.callbacks:
        gc.callbacks.remove(_noted)
    _stopping.set()
    _collected.set()  # wakes the thread, which ends
    gc.unfreeze()
