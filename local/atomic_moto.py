"""moto, one request at a time.

moto's backends are not thread-safe: two concurrent TransactWriteItems on one member can both pass their
version condition before either writes, which real DynamoDB never allows. DynamoDB applies every request
atomically, so the embedded server serves one request at a time (and in-process tests take the same lock)."""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core import responses as moto_responses
from moto.core.botocore_stubber import BotocoreStubber
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import moto_answers, moto_tables

MOTO_LOCK = threading.RLock()


class AtomicMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        backend = DomainDispatcherApplication(create_backend_app)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with MOTO_LOCK:  # the whole response is produced inside the lock
                return list(backend(environ, start_response))

        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


_original_call = BotocoreStubber.__call__


def _atomic_call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
    with MOTO_LOCK:
        return _original_call(self, event_name, request, **kwargs)


def serialize_in_process_moto() -> None:
    """Make `mock_aws` handle one request at a time, like the embedded server."""
    BotocoreStubber.__call__ = _atomic_call  # type: ignore[method-assign]
    tune_moto()


def tune_moto() -> None:
    """moto's DynamoDB at a cost per touched item, its answers without the generic walk (both keep its answers)."""
    moto_tables.install()
    moto_answers.install()
    # moto lists a response class's methods with inspect.getmembers on every request (BaseResponse.call_action): the
    # classes never change at run time, so once per class is the same answer (4 % of an in-process test's time)
    names = vars(moto_responses)  # the name moto's responses module calls, which it imports without re-exporting
    if not hasattr(names["method_names_from_class"], "cache_info"):
        names["method_names_from_class"] = functools.cache(names["method_names_from_class"])

