"""What DynamoDB would charge: item sizes by its item-size rules, on-demand capacity units, and the index upkeep of
a write, on table schemas read from template.yaml (moto does not charge capacity the way DynamoDB does)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Item = Mapping[str, Mapping[str, Any]]  # DynamoDB JSON: {"name": {"S": "..."}}
Key = dict[str, Any]

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
