"""Loyalty platform shared layer: domain rules, storage models and the Powertools setup.

Importing it first (each function's `app` imports the layer before any library: functions/ruff.toml) registers
Powertools' resolver and event-class packages without their catch-all `__init__`: platform/deferred_inits.py."""
from .platform.deferred_inits import defer_inits

defer_inits()
