"""moto's DynamoDB at a cost per touched item, not per stored item.

moto 5.2.5 (the newest release) does three things in proportion to everything a table holds, and one in proportion
to the square of an item's attributes:
- `DynamoDBBackend.transact_write_items` deep-copies every table a transaction names, to roll back on failure;
- `Table.query` walks `Table.all_items()` for every query, even one partition of the base table;
- a query on a global secondary index does the same, then sorts what matched;
- `Item.__init__` checks the 400 KB limit by summing the sizes of every attribute so far at each one it adds.
`install()` replaces the first with an undo log of the items a transaction touches, and gives `Table.query` only
the candidates it would have kept: the partition for the base table and its local indexes, a bucket of a
maintained map for a global index (single-attribute hash keys; anything else falls back to moto's own walk).
moto's code then filters, sorts, pages and projects as before, so its answers are unchanged. A new item's
attributes are sized once each, and refused at the attribute where moto would refuse them.

`track_changes()` and `take_changes()` note the keys of the items written, so a snapshot saves only those."""
from __future__ import annotations

import base64
import copy
import functools
import json
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb import responses as moto_dynamodb_responses
from moto.dynamodb.comparisons import ConditionExpressionParser, get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    ItemSizeTooLarge,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.models.utilities import bytesize

Key = tuple[DynamoType, DynamoType | None]
_installed = False


_MOTO_OWN: dict[tuple[type, str], Any] = {
    (Table, name): getattr(Table, name) for name in ("put_item", "delete_item", "query")} | {
    (DynamoDBBackend, name): getattr(DynamoDBBackend, name) for name in ("update_item", "transact_write_items")} | {
    (Item, "__init__"): Item.__init__}
ITEM_SIZE_LIMIT = 405000  # moto's LimitedSizeDict: between the 409 and 410 KB that DynamoDB was seen to take


def install() -> None:
    """Patch moto's classes, once per process (the embedded server and `mock_aws` share them)."""
    global _installed
    if _installed:
        return
    _installed = True
    Table.put_item = _after_put(_MOTO_OWN[Table, "put_item"])  # type: ignore[method-assign]
    Table.delete_item = _after_delete(_MOTO_OWN[Table, "delete_item"])  # type: ignore[method-assign]
    Table.query = _narrowed(_MOTO_OWN[Table, "query"])  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _after_update(_MOTO_OWN[DynamoDBBackend, "update_item"])  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Item.__init__ = _new_item  # type: ignore[method-assign]
    vars(moto_dynamodb_responses)["create_condition_expression_parser"] = _ParsedOnce  # its module-level name


@contextmanager
def moto_own() -> Iterator[None]:
    """moto's own methods for the duration (tests compare the two). Index maps are dropped on both sides of it,
    since moto's own writes do not keep them."""
    global _installed
    was, patched = _installed, {(cls, name): cls.__dict__[name] for cls, name in _MOTO_OWN}
    for (cls, name), method in _MOTO_OWN.items():
        setattr(cls, name, method)
    _maps.clear()
    _installed = False
    try:
        yield
    finally:
        for (cls, name), method in patched.items():
            setattr(cls, name, method)
        _maps.clear()
        _installed = was


def _new_item(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's Item.__init__ with a running total: each attribute is sized once, and the item is refused at the
    attribute that takes the total over the limit (where moto's sum over every attribute so far would)."""
    self.hash_key, self.range_key = hash_key, range_key
    self.attrs = LimitedSizeDict()
    total = 0
    for key, value in attrs.items():
        typed = DynamoType(value)
        total += bytesize(key) + typed.size()
        if total > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, key, typed)


# -- items by key ------------------------------------------------------------------------------------------------

def lookup(table: Table, key: Key) -> Item | None:
    hash_key, range_key = key
    found = table.items.get(hash_key)
    if table.range_key_attr is None:
        return found  # type: ignore[return-value]
    return found.get(range_key) if found else None


def place(table: Table, key: Key, item: Item | None) -> None:
    """Put `item` back at `key` (None: remove what is there), without stream records or conditions."""
    hash_key, range_key = key
    if table.range_key_attr is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item  # type: ignore[assignment]
        return
    partition = table.items[hash_key]
    if item is None:
        partition.pop(range_key, None)
        if not partition:
            del table.items[hash_key]
    else:
        partition[range_key] = item


# -- global indexes: hash value -> keys, kept on every write -----------------------------------------------------

@dataclass
class _GlobalIndexMap:
    attr: str
    buckets: dict[DynamoType, dict[Key, None]] = field(default_factory=dict)
    placed: dict[Key, DynamoType] = field(default_factory=dict)

    def update(self, key: Key, item: Item | None) -> None:
        old = self.placed.pop(key, None)
        if old is not None:
            bucket = self.buckets[old]
            del bucket[key]
            if not bucket:
                del self.buckets[old]
        value = item.attrs.get(self.attr) if item is not None else None
        if value is not None:
            self.buckets.setdefault(value, {})[key] = None
            self.placed[key] = value


# weak: a map lives as long as its table (tests make thousands of accounts; holding them makes every GC slower)
_maps: weakref.WeakKeyDictionary[Table, dict[str, _GlobalIndexMap]] = weakref.WeakKeyDictionary()


def _index_maps(table: Table, build: bool) -> dict[str, _GlobalIndexMap] | None:
    maps = _maps.get(table)
    if maps is not None or not build:
        return maps
    maps = {}
    for index in table.global_indexes:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            maps[index.name] = _GlobalIndexMap(hashes[0])
    for item in table.all_items():
        for index_map in maps.values():
            index_map.update((item.hash_key, item.range_key), item)
    _maps[table] = maps
    return maps


def forget(table: Table) -> None:
    """Drop the table's index maps (after writing `table.items` directly): the next query rebuilds them."""
    _maps.pop(table, None)


_changed: dict[tuple[str, Key], None] | None = None  # (table name, key) written since the last take, once tracked


def track_changes() -> None:
    """Start noting which items are written, for `take_changes()` (a snapshot saves only those)."""
    global _changed
    if _changed is None:
        _changed = {}


def untrack_changes() -> None:
    global _changed
    _changed = None


def take_changes() -> list[tuple[str, Key]]:
    """The (table name, key) of each item written since the last call, once each, in first-written order. Call it
    under MOTO_LOCK and read the items in the same hold, so that no write falls between."""
    global _changed
    if _changed is None:
        return []
    taken, _changed = list(_changed), {}
    return taken


def _written(table: Table, key: Key) -> None:
    if _changed is not None:
        _changed[table.name, key] = None
    maps = _index_maps(table, build=False)
    if maps:
        item = lookup(table, key)
        for index_map in maps.values():
            index_map.update(key, item)


def _after_put(put: Callable[..., Item]) -> Callable[..., Item]:
    @functools.wraps(put)
    def put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
        item = put(self, *args, **kwargs)
        _written(self, (item.hash_key, item.range_key))
        return item
    return put_item


def _after_delete(delete: Callable[..., Item | None]) -> Callable[..., Item | None]:
    @functools.wraps(delete)
    def delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        item = delete(self, hash_key, range_key)
        if item is not None:
            _written(self, (hash_key, range_key))
        return item
    return delete_item


def _after_update(update: Callable[..., Item]) -> Callable[..., Item]:
    @functools.wraps(update)
    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        try:
            return update(self, table_name, key, *args, **kwargs)
        finally:  # an update may have changed the item in place before failing (an item grown too large)
            table = self.tables.get(table_name)
            if table is not None and table.hash_key_attr in key:
                _written(table, _key_of(table, key))
    return update_item


def _key_of(table: Table, attrs: dict[str, Any]) -> Key:
    range_attr = table.range_key_attr
    return DynamoType(attrs[table.hash_key_attr]), DynamoType(attrs[range_attr]) if range_attr in attrs else None


# -- queries: moto's own, over the candidates it would keep ------------------------------------------------------

def _candidates(table: Table, hash_key: DynamoType | None, index_name: str | None,
                hash_conditions: list[tuple[str, DynamoType]] | None) -> list[Item] | None:
    """The items moto's query would keep after its hash-key test, or None where it must walk the table."""
    if index_name is None:
        return _partition(table, hash_key) if hash_key is not None else None
    conditions = dict(hash_conditions or [])
    if any(index.name == index_name for index in table.indexes):  # local: the table's own partition
        value = conditions.get(table.hash_key_attr)
        return _partition(table, value) if len(conditions) == 1 and value is not None else None
    maps = _index_maps(table, build=True) or {}
    index_map = maps.get(index_name)
    if index_map is None or set(conditions) != {index_map.attr}:
        return None
    keys = index_map.buckets.get(conditions[index_map.attr], {})
    return [item for item in (lookup(table, key) for key in keys) if item is not None]


def _partition(table: Table, hash_key: DynamoType) -> list[Item]:
    found = table.items.get(hash_key)
    if found is None:
        return []
    return list(found.values()) if table.range_key_attr is not None else [found]  # type: ignore[list-item]


def _narrowed(query: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(query)
    def narrowed_query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        candidates = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
        if candidates is None:
            return query(self, hash_key, *args, **kwargs)
        self.all_items = lambda: candidates  # type: ignore[method-assign]  # read once, by this query only
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items
    return narrowed_query


# -- transactions: an undo log of the touched items --------------------------------------------------------------

@dataclass
class UndoLog:
    """What a transaction's writes replaced, to put back if it is cancelled: each touched item as it was, and
    each touched table's stream length (the records a cancelled transaction wrote are dropped)."""
    items: list[tuple[Table, Key, Item | None]] = field(default_factory=list)
    streams: dict[int, tuple[StreamShard, int]] = field(default_factory=dict)

    def remember(self, table: Table, key: Key) -> None:
        self.items.append((table, key, copy.deepcopy(lookup(table, key))))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.streams:
            self.streams[id(shard)] = (shard, len(shard.items))

    def roll_back(self) -> None:
        for table, key, before in reversed(self.items):
            place(table, key, before)
            _written(table, key)  # its index entries follow the item back; the key stays noted as changed
        for shard, length in self.streams.values():
            del shard.items[length:]


Outcome = tuple[str, str, dict[str, Any]] | tuple[None, None, None]


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's `DynamoDBBackend.transact_write_items` (5.2.5), step for step, with an `UndoLog` where moto keeps
    `copy.deepcopy` of each named table. Also rolls back when an operation names two actions, which moto's raises
    without undoing the operations before it."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = UndoLog()
    targets: set[tuple[str, str]] = set()
    try:
        outcomes = [_transact_one(self, operation, targets, undo) for operation in transact_items]
    except BaseException:
        undo.roll_back()
        raise
    if any(code is not None for code, _, _ in outcomes):
        undo.roll_back()
        raise TransactionCanceledException(outcomes)


def _transact_one(self: DynamoDBBackend, operation: dict[str, Any], targets: set[tuple[str, str]],
                  undo: UndoLog) -> Outcome:
    if len(operation) > 1:
        raise TransactWriteSingleOpException
    original_item: dict[str, Any] | None = None
    try:
        op_type, op = next(iter(operation.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        condition = op.get("ConditionExpression")
        table = self.get_table(table_name)
        key = _operation_key(table, op_type, op)
        _check_unicity(targets, table_name, key)
        current = self.get_item(table_name, key)
        if condition is not None and not _condition_holds(condition, names, values, current):
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                original_item = current.to_json()["Attributes"]
            raise ConditionalCheckFailed(item=original_item)
        if op_type != "ConditionCheck":
            undo.remember(table, self.get_keys_value(table, key))
        _apply(self, op_type, op, key, condition, names, values)
        return None, None, None
    except (MultipleTransactionsException, MockValidationException):
        raise
    except ConditionalCheckFailed as exc:
        return "ConditionalCheckFailed", str(exc.message), original_item  # type: ignore[return-value]
    except Exception as exc:  # as moto: any other failure cancels the transaction with its name and message
        return type(exc).__name__, str(exc), original_item  # type: ignore[return-value]


def _operation_key(table: Table, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]  # type: ignore[no-any-return]
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _check_unicity(targets: set[tuple[str, str]], table_name: str, key: dict[str, Any]) -> None:
    target = (str(table_name), str(dict(sorted(key.items()))))
    if target in targets:
        raise MultipleTransactionsException()
    targets.add(target)


def _condition_holds(condition: str, names: dict[str, str] | None, values: dict[str, Any] | None,
                     current: Item | None) -> bool:
    return bool(_parsed(condition, _dumps(names), _dumps(values)).expr(current))


_BYTES = "~bytes"  # a binary value in a cache key (base64), turned back into bytes when the key is parsed


def _dumps(value: Any) -> str:
    """A request's names or values as a hashable cache key; binary values (packed attributes) round-trip."""
    def tagged(found: Any) -> Any:
        if isinstance(found, bytes):
            return {_BYTES: base64.b64encode(found).decode()}
        raise TypeError(f"{type(found).__name__} is not JSON serialisable")

    return json.dumps(value, sort_keys=True, default=tagged)


def _loads(text: str) -> Any:
    return json.loads(text, object_hook=lambda d: base64.b64decode(d[_BYTES]) if set(d) == {_BYTES} else d)


class _ParsedOnce:
    """moto's request validation parses every condition of a request (for the names it uses) before the backend
    parses it again: the same parse, remembered. A condition that does not parse raises as before (not kept)."""

    def __init__(self, expr: str | None, names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
        self._key = (expr, _dumps(names), _dumps(values))
        self.expr_attr_names_found: list[str] = []
        self.expr_attr_values_found: list[str] = []

    def parse(self) -> Any:
        tree, names, values = _parsed_with_names(*self._key)
        self.expr_attr_names_found, self.expr_attr_values_found = list(names), list(values)  # callers extend them
        return tree


@functools.lru_cache(maxsize=4096)
def _parsed_with_names(expr: str | None, names: str, values: str) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    parser = ConditionExpressionParser(expr, _loads(names), _loads(values))
    tree = parser.parse()
    return tree, tuple(parser.expr_attr_names_found), tuple(parser.expr_attr_values_found)


@functools.lru_cache(maxsize=4096)
def _parsed(condition: str, names: str, values: str) -> Any:
    """moto's parse of a condition, once per expression, names and values: writers send the same few conditions
    (must not exist, the version read) over and over, and parsing was most of a transaction's cost. The parsed
    tree is only evaluated, never changed."""
    return get_filter_expression(condition, _loads(names), _loads(values))


def _apply(self: DynamoDBBackend, op_type: str, op: dict[str, Any], key: dict[str, Any], condition: str | None,
           names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
    expressions: dict[str, Any] = {"condition_expression": condition, "expression_attribute_names": names,
                                   "expression_attribute_values": values}
    if op_type == "Put":  # its condition held just now, on this very item, under the lock: not parsed again
        self.put_item(op["TableName"], op["Item"], overwrite=True)
    elif op_type == "Delete":
        self.delete_item(op["TableName"], key)
    elif op_type == "Update":
        self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"], **expressions)

