"""The local run's DynamoDB items on disk, so that a restart keeps them.

One gzip JSON Lines file, `<data dir>/dynamodb.jsonl.gz`, a line per item: `{"table": <template logical id>,
"item": <DynamoDB JSON>}`. Plain JSON rather than a pickle of moto's objects, so a moto upgrade still reads it;
keyed by logical id, as physical names are the runner's choice. Every save writes a temporary file and renames
it over the old one, so a crash mid-save leaves the previous snapshot whole.

The items are copied out of moto's in-process tables under MOTO_LOCK, all tables in one hold, so a snapshot never
holds half a transaction. A restore puts them straight back into moto's tables: no stream records, so the stream
emulation does not announce old writes again. A `Saver` saves every few seconds when moto has written since the
last save, and at stop: a `kill -9` loses at most the last few seconds.
"""
from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from .atomic_moto import MOTO_LOCK
from .moto_tables import writes
from .template import ACCOUNT, REGION, Template

log = logging.getLogger("local.snapshot")

FILE_NAME = "dynamodb.jsonl.gz"
SAVE_EVERY_SECONDS = 5.0
Row = tuple[str, dict[str, Any]]  # (table logical id, item attributes as DynamoDB JSON)
# what a damaged file raises while it is read and turned into moto items (zlib.error is not an OSError)
_UNREADABLE = (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError, IndexError, zlib.error)


def snapshot_file(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


# -- moto's tables -------------------------------------------------------------------------------------------------

def _tables(template: Template) -> dict[str, Table]:
    """The template's tables as moto holds them now, by logical id (call under MOTO_LOCK: a rollback replaces them)."""
    tables = dynamodb_backends[ACCOUNT][REGION].tables
    wanted = {lid: template.name_of(lid) for lid in template.of_type("AWS::DynamoDB::Table")}
    return {lid: tables[name] for lid, name in wanted.items() if name in tables}


def _stored(table: Table) -> dict[Any, Any]:
    """moto's `items`: hash key -> item, or hash key -> range key -> item when the table has a range key."""
    return table.items


def _items_of(table: Table) -> Iterator[Item]:
    for value in _stored(table).values():
        yield from value.values() if table.range_key_attr is not None else (value,)


def copy_items(template: Template) -> tuple[int, list[Row]]:
    """moto's write count and every item of the template's tables, at one instant."""
    with MOTO_LOCK:
        rows = [(lid, item.to_json()["Attributes"]) for lid, table in _tables(template).items()
                for item in _items_of(table)]
        return writes(), rows  # to_json builds new lists and dicts: serialising them can wait for the lock's release


def _place(table: Table, item: Item) -> None:
    """As Table.put_item stores an item, without its conditions, validation and stream record."""
    if table.range_key_attr is None:
        _stored(table)[item.hash_key] = item
    else:
        _stored(table)[item.hash_key][item.range_key] = item


def _item_for(table: Table, attrs: dict[str, Any]) -> Item | None:
    """The moto item, or None when its key does not fit the table (the template's keys changed)."""
    values = {name: DynamoType(value) for name, value in attrs.items()}
    keys = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr is not None:
        keys.append((table.range_key_attr, table.range_key_type or ""))
    if any(name not in values or values[name].type != kind for name, kind in keys):
        return None
    range_key = values[table.range_key_attr] if table.range_key_attr is not None else None
    item = Item(values[table.hash_key_attr], range_key, {})
    # moto checked the item's size when it was written; its size-checking __setitem__ costs O(attributes²)
    dict.update(item.attrs, values)
    return item


# -- the file ------------------------------------------------------------------------------------------------------

def _json_bytes(value: Any) -> str:
    if isinstance(value, bytes):  # moto hands nested binary values back decoded; DynamoDB JSON has them in base64
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _lines(rows: Iterable[Row]) -> Iterator[bytes]:
    for lid, attrs in rows:
        yield json.dumps({"table": lid, "item": attrs}, separators=(",", ":"), default=_json_bytes).encode() + b"\n"


def write_rows(path: Path, rows: Iterable[Row]) -> None:
    """Replace the file with these rows, atomically: readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed:
                for line in _lines(rows):
                    packed.write(line)
            raw.flush()
            os.fsync(raw.fileno())  # the data is on disk before the rename makes it the snapshot
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_rows(path: Path) -> list[Row]:
    """Every row of the file; raises one of _UNREADABLE when the file is damaged."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            if not (isinstance(row, dict) and isinstance(row.get("table"), str) and isinstance(row.get("item"), dict)):
                raise ValueError(f"line {number} is not {{'table': str, 'item': object}}")
            rows.append((row["table"], row["item"]))
    return rows


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    os.replace(path, aside)  # if even this fails the start fails: the next save would overwrite the file
    return aside


def _remove_leftovers(path: Path) -> None:
    """Temporary files of a save that a kill interrupted."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


# -- restore and save ----------------------------------------------------------------------------------------------

def restore(template: Template, path: Path) -> int:
    """Put the file's items into the freshly provisioned tables, before any query (local/moto_tables.py builds a
    global index's map at the index's first query, from the items then stored); the number restored. A missing
    file is an empty run; a damaged one is moved aside (logged) and the run starts empty; tables the template no
    longer has are skipped (logged)."""
    _remove_leftovers(path)
    if not path.exists():
        return 0
    with MOTO_LOCK:
        schemas = _tables(template)  # only their key schemas are read outside the lock
    try:
        placed = _moto_items(read_rows(path), schemas)
    except _UNREADABLE as exc:
        log.error("%s is unreadable (%s: %s); moved to %s, starting empty", path, type(exc).__name__, exc,
                  _move_aside(path).name)
        return 0
    with MOTO_LOCK:
        tables = _tables(template)
        for lid, item in placed:
            _place(tables[lid], item)
    return len(placed)


def _moto_items(rows: list[Row], tables: dict[str, Table]) -> list[tuple[str, Item]]:
    """All of them built before any is placed, so a damaged file restores nothing rather than a part."""
    placed: list[tuple[str, Item]] = []
    unknown: dict[str, int] = {}
    misfit: dict[str, int] = {}
    for lid, attrs in rows:
        table = tables.get(lid)
        item = _item_for(table, attrs) if table is not None else None
        if item is not None:
            placed.append((lid, item))
        else:
            tally = unknown if table is None else misfit
            tally[lid] = tally.get(lid, 0) + 1
    for lid, count in unknown.items():
        log.warning("snapshot: %d item(s) of %s skipped: the template has no such table (the next save drops them)",
                    count, lid)
    for lid, count in misfit.items():
        log.warning("snapshot: %d item(s) of %s skipped: their key does not fit the table's key schema (the next "
                    "save drops them)", count, lid)
    return placed


@dataclass
class Saved:
    writes: int
    items: int


def save(template: Template, path: Path) -> Saved:
    written, rows = copy_items(template)
    write_rows(path, rows)
    return Saved(written, len(rows))


class Saver:
    """Saves the tables to `path` when moto has written since the last save: on `tick()`, which a thread calls
    every `interval` seconds once `start()`ed, and always at `stop()`."""

    def __init__(self, template: Template, path: Path, interval: float = SAVE_EVERY_SECONDS) -> None:
        self.template = template
        self.path = path
        self.interval = interval
        self._saved_writes = writes()  # moto holds what was just restored: nothing new yet
        self._lock = threading.Lock()  # one save at a time: the thread's, a test's tick, stop's
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> bool:
        """Save if moto has written since the last save; whether it saved."""
        with self._lock:
            if writes() == self._saved_writes:
                return False
            self._save()
            return True

    def _save(self) -> None:
        saved = save(self.template, self.path)
        self._saved_writes = saved.writes
        log.debug("saved %d items to %s", saved.items, self.path)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-snapshot", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a full disk, say: keep serving, try again at the next tick
                log.exception("saving %s failed", self.path)

    def stop(self) -> None:
        """Stop the thread, then save whatever the count says (a write it missed would otherwise be lost)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            try:
                self._save()
            except Exception:  # logged, and the runner goes on stopping
                log.exception("saving %s at stop failed: the writes since the last save are lost", self.path)
