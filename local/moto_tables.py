"""moto's DynamoDB tables at a cost per touched item (work in progress: the write counter comes first).

`install()` patches moto's backend once per process; `writes()` counts item writes since the process started,
so a snapshot knows when there is something new to save."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

_writes = 0
_installed = False


def writes() -> int:
    """Item writes (puts, updates, deletes, by any API) applied by moto in this process so far."""
    return _writes


def _counted(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _writes
        try:
            return method(*args, **kwargs)
        finally:
            _writes += 1
    return wrapper


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    Table.put_item = _counted(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _counted(Table.delete_item)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _counted(DynamoDBBackend.update_item)  # type: ignore[method-assign]
