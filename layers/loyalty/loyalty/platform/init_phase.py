"""A function's init phase on Lambda (its `import app`): without the cyclic garbage collector, and the deepest
imports from a frame with room on CPython's data stack.

Nothing an import makes is garbage: modules, classes, models and the resolver's routes live as long as the
container. Yet with the collector on, the import's steady growth triggers full collections that walk every object
made so far, again and again: 0.19 to 0.24 x a bare `import boto3` of a function's import (`make import-cost`).
So the layer's package turns the collector off as it is first imported on Lambda (LAMBDA_TASK_ROOT set, as
Powertools tells Lambda), and each function's `app` ends with `init_done()`: what the init made is frozen (later
collections, during invocations, skip it) and the collector is back on for the invocations.

CPython 3.11 keeps Python frames in 16 KiB chunks it maps and unmaps itself, and frees a chunk as soon as the frame
that opened it returns. An import that calls a function in a loop at a chunk's edge (urllib3 compiling its URL
patterns; with deeper callers, dataclasses and typing's generics) so maps and unmaps a chunk for every call: 456 to
4 329 times per AdminFunction import, depending only on how deep the runtime's own frames put it (the kernel's time,
and the page faults of memory touched anew each time). The platform module, the deepest part of every function's
import (Powertools' logger, metrics and tracer: X-Ray's SDK, botocore, urllib3), is imported from a frame that
reserves 64 KiB up front, room that its imports fill without reaching an edge."""
from __future__ import annotations

import gc
import os
from importlib import import_module

PLATFORM = "loyalty.platform.observability"  # every function's, directly or through the service it calls
ROOM_SLOTS = 64 * 1024 // 8  # pointers: a frame this large opens a 128 KiB chunk and leaves 64 KiB of it free


def init_begins() -> None:
    """The layer's first import. On Lambda: the collector off until the function's `init_done()`, and the
    platform module imported with room."""
    if os.environ.get("LAMBDA_TASK_ROOT"):
        gc.disable()
        import_with_room(PLATFORM)


def import_with_room(module: str) -> None:
    """Import the module from this function's frame, whose size (its stack's: ROOM_SLOTS, below) takes a chunk of
    its own: what the import calls runs in the chunk's free 64 KiB, over three times the deepest whole `import app`
    measured (about 19 KB)."""
    import_module(module)


import_with_room.__code__ = import_with_room.__code__.replace(co_stacksize=ROOM_SLOTS)


def init_done() -> None:
    """The end of a function's `app`: its init made, frozen; the collector on again. Nothing to do where
    `init_begins` left the collector on (off Lambda: the tests, the local run)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
