"""Loyalty platform shared layer: domain rules, storage models and the Powertools setup.

Importing it first (each function's `app` imports the layer before any library: functions/ruff.toml) turns the
cyclic garbage collector off for the rest of the init phase on Lambda and imports the platform module with room
on CPython's data stack (platform/init_phase.py: each `app` ends with `init_done()`), and registers Powertools'
resolver and event-class packages without their catch-all `__init__`: platform/deferred_inits.py."""
from .platform.deferred_inits import defer_inits
from .platform.init_phase import init_begins

init_begins()
defer_inits()
