"""local/heap.py: what survives a full collection is frozen, so the next ones do not scan the tables again."""
from __future__ import annotations

import gc
import threading

from local import heap


def _frozen_within(seconds: float) -> bool:
    done = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if gc.get_freeze_count():
            return True
        done.wait(0.05)  # the freezing thread runs after the collection's callback
    return bool(gc.get_freeze_count())


def test_survivors_of_a_full_collection_are_frozen_until_stop() -> None:
    kept = [{"item": n} for n in range(1000)]
    heap.freeze_after_full_collections()
    try:
        gc.collect()
        assert _frozen_within(5)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        heap.stop()
    assert gc.get_freeze_count() == 0 and heap._noted not in gc.callbacks
