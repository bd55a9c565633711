"""EventBridge event pattern matching (the subset a SAM template uses).

Supported: exact values (strings, numbers, booleans, null) in lists, nested keys, arrays in the event (any element
matches), and the operators `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (value, list, prefix, suffix),
`exists`, `numeric` and `wildcard`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
}
_ABSENT = object()


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """True when `event` (a dict) satisfies every key of `pattern`."""
    for key, rule in pattern.items():
        value = event.get(key, _ABSENT) if isinstance(event, dict) else _ABSENT
        if isinstance(rule, dict):
            if not isinstance(value, dict) or not matches(rule, value):
                return False
        elif isinstance(rule, list):
            if not _matches_any(rule, value):
                return False
        else:
            raise ValueError(f"pattern value for {key!r} must be a list or an object, got {rule!r}")
    return True


def _matches_any(rules: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            if bool(rule["exists"]) == (value is not _ABSENT):
                return True
        elif value is not _ABSENT and any(_matches_one(rule, v) for v in values):
            return True
    return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _matches_one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _equal(rule, value)
    if len(rule) != 1:
        raise ValueError(f"one operator per pattern object: {rule!r}")
    (op, arg), = rule.items()
    if op == "prefix":
        if isinstance(arg, dict):  # {"prefix": {"equals-ignore-case": "abc"}}
            return isinstance(value, str) and value.lower().startswith(str(arg["equals-ignore-case"]).lower())
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        if isinstance(arg, dict):
            return isinstance(value, str) and value.lower().endswith(str(arg["equals-ignore-case"]).lower())
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(arg).lower()
    if op == "wildcard":
        regex = ".*".join(re.escape(part) for part in str(arg).split("*"))
        return isinstance(value, str) and re.fullmatch(regex, value, re.DOTALL) is not None
    if op == "anything-but":
        if isinstance(arg, dict):
            return not _matches_one(arg, value)
        excluded = arg if isinstance(arg, list) else [arg]
        return not any(_equal(x, value) for x in excluded)
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        pairs = zip(arg[::2], arg[1::2], strict=True)
        return all(_NUMERIC_OPS[cmp](value, bound) for cmp, bound in pairs)
    raise ValueError(f"unsupported pattern operator: {op!r}")
