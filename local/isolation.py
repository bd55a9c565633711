"""One invocation's Powertools state per thread, as Lambda has one per process.

Lambda runs one invocation at a time per process, and Powertools relies on it: the event handler keeps the
current event on the `BaseRouter` class, and `Metrics` instances share one metric set. The local run (and the
in-process concurrency tests) run invocations on threads of one process, so without this a request could be
routed, authorised and parsed with another request's event, and a metrics flush could read a set that another
invocation is writing. Logger keys stay shared: at worst a log line carries another invocation's request id.
"""
from __future__ import annotations

import copy
import threading
from abc import ABCMeta
from typing import Any

_ROUTER_STATE = ("current_event", "lambda_context")
_METRIC_SETS = ("metric_set", "dimension_set", "metadata_set", "dimension_sets")
_router_local = threading.local()
_installed = False


def _router_attribute(name: str) -> property:
    return property(lambda _: getattr(_router_local, name, None), lambda _, value: setattr(_router_local, name, value))


class _PerThreadRouterMeta(ABCMeta):  # BaseRouter is an ABC
    """`BaseRouter.current_event = ...` is a class attribute write: only a metaclass descriptor can catch it."""

    current_event = _router_attribute("current_event")
    lambda_context = _router_attribute("lambda_context")


class _PerThreadSet:
    """A provider attribute holding one copy per thread of what `__init__` assigned (an empty set, in practice)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, provider: Any, owner: type | None = None) -> Any:
        if provider is None:
            return self
        threads = provider.__dict__.setdefault("_per_thread_sets", threading.local())
        value = getattr(threads, self.name, None)
        if value is None:
            template = provider.__dict__.get(f"_initial_{self.name}", provider.__dict__.get(self.name))
            value = copy.copy(template) if template is not None else {}
            setattr(threads, self.name, value)
        return value

    def __set__(self, provider: Any, value: Any) -> None:
        provider.__dict__[f"_initial_{self.name}"] = value
        setattr(provider.__dict__.setdefault("_per_thread_sets", threading.local()), self.name, copy.copy(value))


def isolate_invocations_per_thread() -> None:
    """Install once, before or after handlers are imported; a no-op for handlers without Powertools."""
    global _installed
    if _installed:
        return
    try:
        from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
    except ImportError:
        return
    for name in _ROUTER_STATE:  # instance reads (`self.current_event`) find these in the class dict
        type.__setattr__(BaseRouter, name, _router_attribute(name))
    BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign, assignment]
    for name in _METRIC_SETS:
        descriptor = _PerThreadSet()
        descriptor.__set_name__(AmazonCloudWatchEMFProvider, name)
        setattr(AmazonCloudWatchEMFProvider, name, descriptor)
    _installed = True
