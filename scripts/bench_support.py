"""Measuring instruments for scripts/bench (`python -m scripts.bench`): what each handler asks of AWS and what that costs.

- `Recorder` wraps `botocore.client.BaseClient._make_api_call` (PynamoDB and boto3 both end there) and keeps
  one `Call` per AWS request: its operation, the items it read or wrote, and the capacity units DynamoDB's
  on-demand rules charge for them. Sizes are computed here from the attribute values (moto does not charge
  capacity the way DynamoDB does). A write is charged on the larger of the item's before- and after-image,
  which the recorder reads straight from moto around the write (those look-ups are not counted).
- `MotoCpu` wraps moto's `BotocoreStubber.__call__` and sums the CPU time spent inside moto, so the handler's
  own CPU time is the process time of an invocation minus moto's share.
- `cold_imports` imports each function module (and boto3 alone) in fresh interpreters, as a Lambda cold start does.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from statistics import median
from typing import Any

from botocore.client import BaseClient
from moto.core.botocore_stubber import BotocoreStubber

Item = Mapping[str, Mapping[str, Any]]  # DynamoDB JSON: {"name": {"S": "..."}}
Key = dict[str, Any]

READ_OPS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
READ_FACTOR = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}  # RRU per started 4 KB


# -- item size and capacity units --------------------------------------------------------------------------------

def number_size(text: str) -> int:
    """DynamoDB stores a number as about one byte per two significant digits, plus one."""
    mantissa = text.lower().lstrip("-").split("e")[0].replace(".", "")
    digits = mantissa.strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: Mapping[str, Any]) -> int:
    (kind, data), = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return number_size(str(data))
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Item | None) -> int:
    """Attribute names plus values, in bytes, by DynamoDB's item-size rules."""
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def read_units(size: int, consistency: str) -> float:
    return max(1, math.ceil(size / 4096)) * READ_FACTOR[consistency]


def write_units(size: int, transactional: bool) -> float:
    return max(1, math.ceil(size / 1024)) * (2.0 if transactional else 1.0)


# -- table schemas (from template.yaml) --------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexSchema:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    keys: tuple[str, ...]
    indexes: tuple[IndexSchema, ...] = ()

    def key_of(self, item: Item) -> Key:
        return {k: item[k] for k in self.keys}


def table_schemas(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, TableSchema]:
    """{table name: schema} from resolved AWS::DynamoDB::Table properties."""
    schemas = {}
    for name, props in tables.items():
        indexes = [IndexSchema(ix["IndexName"], tuple(k["AttributeName"] for k in ix["KeySchema"]),
                               ix["Projection"]["ProjectionType"], tuple(ix["Projection"].get("NonKeyAttributes", ())))
                   for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes") for ix in props.get(kind) or []]
        schemas[name] = TableSchema(tuple(k["AttributeName"] for k in props["KeySchema"]), tuple(indexes))
    return schemas


def index_entry(index: IndexSchema, table_keys: tuple[str, ...], item: Item | None) -> Item | None:
    """What an item puts in an index (None if it lacks an index key: the index is sparse)."""
    if item is None or any(k not in item for k in index.keys):
        return None
    if index.projection == "ALL":
        return item
    keep = {*table_keys, *index.keys, *index.non_key}
    return {k: v for k, v in item.items() if k in keep}


def index_write_units(schema: TableSchema, before: Item | None, after: Item | None) -> float:
    """Index upkeep of one table write, at the standard 1 WRU per KB: an entry that appears, disappears or
    changes costs one write; one whose index key changes costs a delete and a put."""
    units = 0.0
    for index in schema.indexes:
        old, new = index_entry(index, schema.keys, before), index_entry(index, schema.keys, after)
        if old == new:
            continue
        if old is None or new is None:
            units += write_units(item_size(old or new), False)
        elif any(old[k] != new[k] for k in index.keys):
            units += write_units(item_size(old), False) + write_units(item_size(new), False)
        else:
            units += write_units(max(item_size(old), item_size(new)), False)
    return units


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


# -- cold start --------------------------------------------------------------------------------------------------

_IMPORT_PROBE = """
import time
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""


def import_environment(layer: Path, code_dir: Path, env: Mapping[str, str], compile_bytecode: bool = False
                       ) -> dict[str, str]:
    """A fresh interpreter's environment as Lambda's for a function: the layer and the function's code on its
    PYTHONPATH, as Lambda puts /opt/python and the task root on the path (the layer ahead of this project's
    editable install), LAMBDA_TASK_ROOT set. Bytecode is read from, and with `compile_bytecode` written to, env's
    PYTHONPYCACHEPREFIX."""
    return {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(layer), str(code_dir)]),
            "LAMBDA_TASK_ROOT": str(code_dir), "PYTHONDONTWRITEBYTECODE": "" if compile_bytecode else "1"}


def import_once(module: str, layer: Path, code_dir: Path, env: Mapping[str, str], compile_bytecode: bool = False
                ) -> float:
    """Wall time of `import module` in a fresh interpreter with `import_environment`."""
    done = subprocess.run([sys.executable, "-c", _IMPORT_PROBE.format(module=module)], cwd=code_dir,
                          env=import_environment(layer, code_dir, env, compile_bytecode),
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def cold_imports(layer: Path, code_dirs: Mapping[str, Path], env: Mapping[str, str], repeat: int,
                 say: Callable[[str], None]) -> dict[str, float]:
    """Median seconds of `import app` of each function and of a bare `import boto3`, measured in turns (boto3, then
    every function, `repeat` times) so that the machine's other load stretches them alike. Every module is
    compiled first, into a bytecode cache of this run's own: the figures then do not depend on what other runs
    left in the venv's `__pycache__` (the ratio moved from under 2 to over 5 with it), and boto3 is compiled as
    Lambda's runtime ships it."""
    samples: dict[str, list[float]] = {name: [] for name in ["import_boto3", *code_dirs]}
    first = next(iter(code_dirs.values()))

    def run(name: str, cache: str, compile_bytecode: bool = False) -> float:
        code_dir = first if name == "import_boto3" else code_dirs[name]
        lambda_env = {**env, "PYTHONPYCACHEPREFIX": cache}
        return import_once("boto3" if name == "import_boto3" else "app", layer, code_dir, lambda_env, compile_bytecode)

    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        say("cold imports: compiling every module once")
        for name in samples:
            run(name, cache, compile_bytecode=True)
        for turn in range(repeat):
            say(f"cold imports, turn {turn + 1}/{repeat}")
            for name in samples:
                samples[name].append(run(name, cache))
    return {name: median(found) for name, found in samples.items()}


# -- prices (us-east-1, arm64; list prices, no free tier) --------------------------------------------------------

@dataclass(frozen=True)
class Prices:
    lambda_request: Decimal = Decimal("0.20")  # per 1M requests
    lambda_gb_second: Decimal = Decimal("0.0000133334")  # arm64
    dynamodb_wru: Decimal = Decimal("0.625")  # per 1M write request units, on-demand
    dynamodb_rru: Decimal = Decimal("0.125")  # per 1M read request units, on-demand
    http_api_request: Decimal = Decimal("1.00")  # per 1M HTTP API requests
    custom_event: Decimal = Decimal("1.00")  # per 1M custom events put on a bus

    def describe(self) -> list[str]:
        return [f"Lambda ${self.lambda_request}/1M requests + ${self.lambda_gb_second}/GB-s (arm64)",
                f"DynamoDB on-demand ${self.dynamodb_wru}/1M WRU, ${self.dynamodb_rru}/1M RRU",
                f"API Gateway HTTP API ${self.http_api_request}/1M requests",
                f"EventBridge ${self.custom_event}/1M custom events (PutEvents entries)"]


@dataclass
class Cost:
    """Dollars per million operations, by service."""

    lambda_: float = 0.0
    dynamodb: float = 0.0
    api: float = 0.0
    events: float = 0.0

    @property
    def total(self) -> float:
        return self.lambda_ + self.dynamodb + self.api + self.events


def cost_per_million(prices: Prices, *, invocations: float, cpu_seconds: float, memory_mb: int, rru: float,
                     wru: float, http: bool, events: float) -> Cost:
    """Per million operations; the handler's CPU time stands in for its billed duration."""
    gb_seconds = memory_mb / 1024 * cpu_seconds * 1_000_000
    return Cost(lambda_=float(prices.lambda_request) * invocations + float(prices.lambda_gb_second) * gb_seconds,
                dynamodb=float(prices.dynamodb_wru) * wru + float(prices.dynamodb_rru) * rru,
                api=float(prices.http_api_request) if http else 0.0,
                events=float(prices.custom_event) * events)
