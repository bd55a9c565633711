"""The bench's instruments, patched into botocore and moto for the whole run.

- `Recorder` wraps `botocore.client.BaseClient._make_api_call` (PynamoDB and boto3 both end there) and keeps
  one `Call` per AWS request: its operation, the items it read or wrote, and the capacity units DynamoDB's
  on-demand rules charge for them (`scripts.bench.capacity`). A write is charged on the larger of the item's
  before- and after-image, which the recorder reads straight from moto around the write (those look-ups are not
  counted).
- `MotoCpu` wraps moto's `BotocoreStubber.__call__` and sums the CPU time spent inside moto, so the handler's
  own CPU time is the process time of an invocation minus moto's share.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient
from moto.core.botocore_stubber import BotocoreStubber

from scripts.bench.capacity import Item, Key, TableSchema, index_write_units, item_size, read_units, write_units

READ_OPS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


# -- the recorder ------------------------------------------------------------------------------------------------

@dataclass
class Call:
    """One AWS request, with what DynamoDB would charge for it."""

    service: str
    operation: str
    target: str = ""  # table(s) or index
    rru: float = 0.0
    wru: float = 0.0  # table writes
    index_wru: float = 0.0  # index upkeep of those writes
    tx_items: int = 0
    items_read: int = 0
    events: int = 0  # PutEvents entries
    largest_item: int = 0  # bytes, of the items it wrote
    largest_table: str = ""
    reported_cu: float | None = None  # ConsumedCapacity as moto returned it, if it did

    @property
    def is_read(self) -> bool:
        return self.service == "dynamodb" and self.operation in READ_OPS

    @property
    def is_write(self) -> bool:
        return self.service == "dynamodb" and self.operation in WRITE_OPS

    def label(self) -> str:
        label = self.operation
        if self.tx_items:
            label += f"[{self.tx_items} items]"
        if self.events:
            label += f"[{self.events}]"
        return f"{label} {self.target}".strip()


_ORIGINAL_API_CALL = BaseClient._make_api_call


def reported_units(response: Mapping[str, Any]) -> float | None:
    consumed = response.get("ConsumedCapacity")
    if consumed is None:
        return None
    entries = consumed if isinstance(consumed, list) else [consumed]
    return sum(float(c.get("CapacityUnits") or 0) for c in entries)


class Recorder:
    """Keeps a `Call` for every AWS request made while `recording()` is active."""

    def __init__(self, schemas: dict[str, TableSchema]) -> None:
        self.schemas = schemas
        self.calls: list[Call] | None = None

    def install(self) -> None:
        recorder = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if recorder.calls is None:
                return _ORIGINAL_API_CALL(client, operation, params)  # type: ignore[no-any-return]
            return recorder._record(client, operation, params)

        BaseClient._make_api_call = make_api_call

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        calls: list[Call] = []
        self.calls = calls
        try:
            yield calls
        finally:
            self.calls = None

    def _record(self, client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        service = client.meta.service_model.service_name
        call = Call(service, operation)
        assert self.calls is not None
        self.calls.append(call)
        if service == "events" and operation == "PutEvents":
            call.events = len(params.get("Entries", []))
        if service != "dynamodb" or operation not in READ_OPS | WRITE_OPS:
            return _ORIGINAL_API_CALL(client, operation, params)  # type: ignore[no-any-return]
        if operation in WRITE_OPS:
            return self._write(client, call, params)
        response: dict[str, Any] = _ORIGINAL_API_CALL(client, operation, params)
        charge_read(call, params, response)
        call.reported_cu = reported_units(response)
        return response

    def _peek(self, client: BaseClient, table: str, key: Key) -> Item | None:
        response = _ORIGINAL_API_CALL(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        return response.get("Item")  # type: ignore[no-any-return]

    def _write(self, client: BaseClient, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        targets = write_targets(call.operation, params, self.schemas)
        before = [self._peek(client, table, key) for table, key, _ in targets]
        response: dict[str, Any] = {}
        try:
            response = _ORIGINAL_API_CALL(client, call.operation, params)
        finally:  # a cancelled transaction is charged too: on what it would have written
            after = [self._peek(client, table, key) for table, key, _ in targets]
            charge_write(call, self.schemas, targets, before, after)
            call.reported_cu = reported_units(response)
        return response


def write_targets(operation: str, params: Mapping[str, Any],
                  schemas: Mapping[str, TableSchema]) -> list[tuple[str, Key, Item | None]]:
    """(table, key, item as sent if a Put) of every item a write request touches."""
    if operation == "TransactWriteItems":
        found = []
        for entry in params["TransactItems"]:
            (kind, body), = entry.items()
            found.append(_target(schemas, body["TableName"], body, kind == "Put"))
        return found
    if operation == "BatchWriteItem":
        return [_target(schemas, table, r.get("PutRequest") or r["DeleteRequest"], "PutRequest" in r)
                for table, requests in params["RequestItems"].items() for r in requests]
    return [_target(schemas, params["TableName"], params, operation == "PutItem")]


def _target(schemas: Mapping[str, TableSchema], table: str, body: Mapping[str, Any],
            put: bool) -> tuple[str, Key, Item | None]:
    if put:
        return table, schemas[table].key_of(body["Item"]), body["Item"]
    return table, dict(body["Key"]), None


def charge_write(call: Call, schemas: Mapping[str, TableSchema], targets: list[tuple[str, Key, Item | None]],
                 before: list[Item | None], after: list[Item | None]) -> None:
    """WRU of a write: each item on the larger of its before-image, after-image and the item sent, rounded up
    to 1 KB (twice that in a transaction), plus the upkeep of the table's indexes."""
    transactional = call.operation == "TransactWriteItems"
    call.tx_items = len(targets) if transactional else 0
    call.target = ",".join(sorted({table for table, _, _ in targets}))
    for (table, _, sent), old, new in zip(targets, before, after, strict=True):
        size = max(item_size(old), item_size(new), item_size(sent))
        call.wru += write_units(size, transactional)
        call.index_wru += index_write_units(schemas[table], old, new)
        if size > call.largest_item:
            call.largest_item, call.largest_table = size, table


def charge_read(call: Call, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
    """RRU of a read: each item rounded up to 4 KB (a Query or Scan: the sum of its items), a miss costs the minimum."""
    op = call.operation
    consistency = "strong" if params.get("ConsistentRead") else "eventual"
    if op == "GetItem":
        call.rru = read_units(item_size(response.get("Item")), consistency)
        call.target, call.items_read = params["TableName"], int("Item" in response)
    elif op in ("Query", "Scan"):
        call.rru = read_units(sum(item_size(i) for i in response.get("Items", [])), consistency)
        call.target, call.items_read = params.get("IndexName") or params["TableName"], len(response.get("Items", []))
    elif op == "BatchGetItem":
        call.target = ",".join(sorted(params["RequestItems"]))
        for table, request in params["RequestItems"].items():
            how = "strong" if request.get("ConsistentRead") else "eventual"
            found = response.get("Responses", {}).get(table, [])
            call.rru += sum(read_units(item_size(i), how) for i in found)
            call.rru += read_units(0, how) * (len(request["Keys"]) - len(found))
            call.items_read += len(found)
    elif op == "TransactGetItems":
        answers = response.get("Responses", [])
        call.rru = sum(read_units(item_size(r.get("Item")), "transactional") for r in answers)
        call.items_read = sum("Item" in r for r in answers)


# -- CPU time ----------------------------------------------------------------------------------------------------

class MotoCpu:
    """CPU seconds spent inside moto (serving requests in process), to subtract from a handler's CPU time."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def install(self) -> None:
        original = BotocoreStubber.__call__
        meter = self

        def timed(stub: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return original(stub, event_name, request, **kwargs)
            finally:
                meter.seconds += time.process_time() - start

        BotocoreStubber.__call__ = timed  # type: ignore[method-assign, assignment]

    def handler_cpu(self, run: Callable[[], Any]) -> float:
        """CPU seconds of `run()` outside moto."""
        moto_before, start = self.seconds, time.process_time()
        run()
        return (time.process_time() - start) - (self.seconds - moto_before)
