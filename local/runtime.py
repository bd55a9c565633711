"""The functions of the template, run in-process like Lambda would run them.

Each function has a small pool of "containers": a container is one import of its handler module, used by one
invocation at a time (as in Lambda). A new container is imported when all are busy, so module-level state of a
handler is never shared by concurrent invocations. State that Powertools keeps process-wide (the resolver's
current event lives on a class) is made per thread by `isolation`.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .isolation import isolate_invocations_per_thread
from .template import ACCOUNT, REGION, FunctionSpec

log = logging.getLogger("local.runtime")
Handler = Callable[[Any, Any], Any]


class UnknownFunction(KeyError):
    pass


class LambdaContext:
    """The attributes of the Python runtime's context object."""

    def __init__(self, spec: FunctionSpec, request_id: str | None = None, remaining_ms: int | None = None) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.logical_id}"
        self.memory_limit_in_mb = spec.memory
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + (spec.timeout if remaining_ms is None else remaining_ms / 1000)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_module(spec: FunctionSpec, name: str) -> ModuleType:
    """Import a function's handler module under `name` (the tests load theirs with it too): one import is one
    Lambda container."""
    file = spec.code_dir / (spec.handler.rpartition(".")[0].replace(".", "/") + ".py")
    import_spec = importlib.util.spec_from_file_location(name, file)
    if import_spec is None or import_spec.loader is None or not file.is_file():
        raise ImportError(f"{spec.logical_id}: no handler module {file}")
    module = importlib.util.module_from_spec(import_spec)
    sys.modules[name] = module  # dataclasses, pydantic and typing look modules up by name
    try:
        import_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # as a failed import does: the next container tries afresh
        raise
    return module


def handler_of(spec: FunctionSpec, module: ModuleType) -> Handler:
    handler: Handler = getattr(module, spec.handler.rpartition(".")[2])
    return handler


class Function:
    def __init__(self, spec: FunctionSpec, module_name: str, max_containers: int) -> None:
        self.spec = spec
        self.module_name = module_name
        self.max_containers = max_containers
        self.module_names: list[str] = []
        self._idle: list[Handler] = []
        self._count = 0
        self._cond = threading.Condition()
        self.after_invocation: Callable[[], None] | None = None  # the runner settles the streams here

    def _import(self, n: int) -> Handler:
        started = time.perf_counter()
        module = load_module(self.spec, self.module_name if n == 1 else f"{self.module_name}__{n}")
        self.module_names.append(module.__name__)
        log.debug("%s: container %d imported in %.0f ms", self.spec.logical_id, n, (time.perf_counter() - started) * 1e3)
        return handler_of(self.spec, module)

    def acquire(self) -> Handler:
        with self._cond:
            while not self._idle and self._count >= self.max_containers:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
            n = self._count
        try:
            return self._import(n)  # a cold start, outside the lock
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def release(self, handler: Handler) -> None:
        with self._cond:
            self._idle.append(handler)
            self._cond.notify()

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        handler = self.acquire()
        try:
            return handler(event, LambdaContext(self.spec, request_id))
        finally:
            self.release(handler)
            if self.after_invocation is not None:
                self.after_invocation()


class Functions:
    """All functions by logical id."""

    def __init__(self, specs: dict[str, FunctionSpec], max_containers: int = 64) -> None:
        isolate_invocations_per_thread()
        self.by_id: dict[str, Function] = {}
        used: set[str] = set()
        for lid, spec in specs.items():
            base = re.sub(r"\W", "_", f"fn_{spec.code_dir.name}_{spec.handler.rpartition('.')[0]}")
            name = base if base not in used else re.sub(r"\W", "_", f"fn_{lid}_{spec.handler.rpartition('.')[0]}")
            used.add(name)
            self.by_id[lid] = Function(spec, name, max_containers)

    def after_each_invocation(self, callback: Callable[[], None]) -> None:
        for fn in self.by_id.values():
            fn.after_invocation = callback

    def get(self, logical_id: str) -> Function:
        try:
            return self.by_id[logical_id]
        except KeyError:
            raise UnknownFunction(logical_id) from None

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        return self.get(logical_id).invoke(event, request_id)

    def preload(self) -> None:
        for fn in self.by_id.values():
            fn.release(fn.acquire())

    def unload(self) -> None:
        for fn in self.by_id.values():
            for name in fn.module_names:
                sys.modules.pop(name, None)
