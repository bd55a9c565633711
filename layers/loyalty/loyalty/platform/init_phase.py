"""A function's init phase on Lambda (its `import app`) runs without the cyclic garbage collector.

Nothing an import makes is garbage: modules, classes, models and the resolver's routes live as long as the
container. Yet with the collector on, the import's steady growth triggers full collections that walk every object
made so far, again and again: 0.19 to 0.24 x a bare `import boto3` of a function's import (`make import-cost`).
So the layer's package turns the collector off as it is first imported on Lambda (LAMBDA_TASK_ROOT set, as
Powertools tells Lambda), and each function's `app` ends with `init_done()`: what the init made is frozen (later
collections, during invocations, skip it) and the collector is back on for the invocations."""
from __future__ import annotations

import gc
import os


def init_begins() -> None:
    """The layer's first import: on Lambda, the collector off until the function's `init_done()`."""
    if os.environ.get("LAMBDA_TASK_ROOT"):
        gc.disable()


def init_done() -> None:
    """The end of a function's `app`: its init made, frozen; the collector on again. Nothing to do where
    `init_begins` left the collector on (off Lambda: the tests, the local run)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
