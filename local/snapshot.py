"""The local run's DynamoDB items on disk, so that a restart keeps them.

Two kinds of file in the data dir, plain JSON rather than a pickle of moto's objects (a moto upgrade still reads
them), keyed by template logical id (physical names are the runner's choice):
- `dynamodb.jsonl.gz`, the base: a header line `{"after": n}`, then a line per item `{"table", "item"}`. It is
  replaced atomically (a temporary file renamed over it), so a crash mid-write leaves the previous one whole.
- `dynamodb.journal.<k>.jsonl`: what changed after the base, a line per written item `{"table", "key", "item"}`
  (`item` null: deleted), appended every few seconds. The base holds every journal up to `n`; a restore applies
  the journals after `n`, in order.
Saving costs what changed, not what is stored: under MOTO_LOCK a save copies only the items written since the last
one (local/moto_tables.py notes their keys), so the lock is held for microseconds whatever the tables hold. When
the journals outgrow the base they are merged into a new base from the files alone, without the lock; a stop
merges too, leaving one file. A restore puts the items straight into moto's tables: no stream records, so the
stream emulation does not announce old writes again. A `kill -9` loses at most the last few seconds.
"""
from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from . import moto_tables
from .atomic_moto import MOTO_LOCK
from .template import ACCOUNT, REGION, Template

log = logging.getLogger("local.snapshot")

FILE_NAME = "dynamodb.jsonl.gz"
SAVE_EVERY_SECONDS = 5.0
MERGE_AT_LEAST = 10_000  # journal lines before a merge is worth it (and at least as many as the base holds)
Row = tuple[str, dict[str, Any]]  # (table logical id, item attributes as DynamoDB JSON)
Change = tuple[str, dict[str, Any], dict[str, Any] | None]  # (logical id, key, item or None when deleted)
KeyNames = dict[str, tuple[str, str | None]]  # logical id -> (hash key attribute, range key attribute)
# what a damaged file raises while it is read and turned into moto items (zlib.error is not an OSError)
_UNREADABLE = (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError, IndexError, zlib.error)
_JOURNAL = re.compile(r"dynamodb\.journal\.(\d+)\.jsonl")


def snapshot_file(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def journal_file(path: Path, number: int) -> Path:
    return path.with_name(f"dynamodb.journal.{number}.jsonl")


def journals(path: Path) -> dict[int, Path]:
    """The journals next to the base `path`, by number."""
    found = {int(m.group(1)): p for p in path.parent.glob("dynamodb.journal.*.jsonl")
             if (m := _JOURNAL.fullmatch(p.name))}
    return dict(sorted(found.items()))


# -- moto's tables -------------------------------------------------------------------------------------------------

def _tables(template: Template) -> dict[str, Table]:
    """The template's tables as moto holds them now, by logical id (call under MOTO_LOCK)."""
    tables = dynamodb_backends[ACCOUNT][REGION].tables
    wanted = {lid: template.name_of(lid) for lid in template.of_type("AWS::DynamoDB::Table")}
    return {lid: tables[name] for lid, name in wanted.items() if name in tables}


def key_names(template: Template) -> KeyNames:
    with MOTO_LOCK:
        return {lid: (t.hash_key_attr, t.range_key_attr) for lid, t in _tables(template).items()}


def copy_items(template: Template) -> list[Row]:
    """Every item of the template's tables, at one instant (to_json builds new objects: serialising them waits for
    the lock's release)."""
    with MOTO_LOCK:
        return [(lid, item.to_json()["Attributes"]) for lid, table in _tables(template).items()
                for item in table.all_items()]


def copy_changes(template: Template) -> list[Change]:
    """The items written since the last call, as they are now, in one hold of the lock."""
    with MOTO_LOCK:
        by_name = {table.name: (lid, table) for lid, table in _tables(template).items()}
        changes = []
        for name, key in moto_tables.take_changes():
            if name not in by_name:
                continue
            lid, table = by_name[name]
            item = moto_tables.lookup(table, key)
            key_json = {table.hash_key_attr: key[0].to_json()}
            if table.range_key_attr is not None and key[1] is not None:
                key_json[table.range_key_attr] = key[1].to_json()
            changes.append((lid, key_json, item.to_json()["Attributes"] if item is not None else None))
        return changes


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


# -- the files -----------------------------------------------------------------------------------------------------

def _json_bytes(value: Any) -> str:
    if isinstance(value, bytes):  # moto hands nested binary values back decoded; DynamoDB JSON has them in base64
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=_json_bytes).encode() + b"\n"


def write_rows(path: Path, rows: Iterable[Row], after: int = 0) -> None:
    """Replace the base with these rows, atomically: readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed:
                packed.write(_line({"after": after}))
                for lid, attrs in rows:
                    packed.write(_line({"table": lid, "item": attrs}))
            raw.flush()
            os.fsync(raw.fileno())  # the data is on disk before the rename makes it the base
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_base(path: Path) -> tuple[int, list[Row]]:
    """The base's `after` and its rows; raises one of _UNREADABLE when the file is damaged."""
    rows = []
    after = 0
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            if number == 1 and isinstance(row, dict) and set(row) == {"after"} and isinstance(row["after"], int):
                after = row["after"]
                continue
            if not (isinstance(row, dict) and isinstance(row.get("table"), str) and isinstance(row.get("item"), dict)):
                raise ValueError(f"line {number} is not {{'table': str, 'item': object}}")
            rows.append((row["table"], row["item"]))
    return after, rows


def read_rows(path: Path) -> list[Row]:
    return read_base(path)[1]


def append_changes(path: Path, changes: list[Change]) -> None:
    with path.open("ab") as journal:
        journal.write(b"".join(_line({"table": lid, "key": key, "item": item}) for lid, key, item in changes))
        journal.flush()
        os.fsync(journal.fileno())


def read_journal(path: Path) -> list[Change]:
    """A journal's changes. A last line cut short is a save a kill interrupted: dropped. Any other damage raises."""
    lines = path.read_bytes().split(b"\n")
    changes = []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        try:
            change = json.loads(line)
        except ValueError:
            if number == len(lines):  # no newline after it: the write never finished
                log.warning("%s: its last line was cut short (a save interrupted): dropped", path)
                break
            raise
        if not (isinstance(change, dict) and isinstance(change.get("table"), str)
                and isinstance(change.get("key"), dict) and isinstance(change.get("item"), dict | None)):
            raise ValueError(f"{path.name} line {number} is not {{'table': str, 'key': object, 'item': object}}")
        changes.append((change["table"], change["key"], change["item"]))
    return changes


def _row_key(names: tuple[str, str | None], attrs: dict[str, Any]) -> str:
    hash_attr, range_attr = names
    return json.dumps([attrs[hash_attr], attrs.get(range_attr) if range_attr else None], sort_keys=True)


def replay(after: int, rows: list[Row], changes: dict[int, Path], names: KeyNames) -> tuple[list[Row], int]:
    """The base's rows with the journals after `after` applied, and the last journal applied. Rows of a table the
    template no longer has are kept as they are (the restore skips and logs them; a merge drops them)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    kept: list[Row] = []
    for lid, attrs in rows:
        if lid in names and all(a in attrs for a in names[lid] if a):
            merged[lid, _row_key(names[lid], attrs)] = attrs
        else:
            kept.append((lid, attrs))
    last = after
    for number, path in changes.items():
        if number <= after:
            continue
        for lid, key, item in read_journal(path):
            if lid not in names:
                continue
            row_key = (lid, _row_key(names[lid], key))
            if item is None:
                merged.pop(row_key, None)
            else:
                merged[row_key] = item
        last = number
    return kept + [(lid, attrs) for (lid, _), attrs in merged.items()], last


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    os.replace(path, aside)  # if even this fails the start fails: the next save would overwrite the file
    return aside


def _remove_leftovers(path: Path) -> None:
    """Temporary files of a merge that a kill interrupted."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


# -- restore and save ----------------------------------------------------------------------------------------------

def restore(template: Template, path: Path) -> int:
    """Put the base's and the journals' items into the freshly provisioned tables, before any query; the number
    restored. No files: an empty run. A damaged base or journal: every file is moved aside (logged) and the run
    starts empty. Tables the template no longer has are skipped (logged)."""
    _remove_leftovers(path)
    found = journals(path)
    if not path.exists() and not found:
        return 0
    with MOTO_LOCK:
        schemas = _tables(template)  # only their key schemas are read outside the lock
    names = {lid: (t.hash_key_attr, t.range_key_attr) for lid, t in schemas.items()}
    try:
        after, rows = read_base(path) if path.exists() else (0, [])
        rows, _ = replay(after, rows, found, names)
        placed = _moto_items(rows, schemas)
    except _UNREADABLE as exc:
        aside = [_move_aside(p).name for p in [path, *found.values()] if p.exists()]
        log.error("%s is unreadable (%s: %s); moved to %s, starting empty", path, type(exc).__name__, exc,
                  ", ".join(aside))
        return 0
    with MOTO_LOCK:
        tables = _tables(template)
        for lid, item in placed:
            moto_tables.place(tables[lid], (item.hash_key, item.range_key), item)
        for table in tables.values():
            moto_tables.forget(table)  # written around moto: index maps are built afresh
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


def merge(path: Path, names: KeyNames) -> int:
    """Fold every journal into a new base, from the files alone; the journals merged are then deleted. The rows
    the new base holds."""
    found = journals(path)
    after, rows = read_base(path) if path.exists() else (0, [])
    rows, last = replay(after, rows, found, names)
    rows = [(lid, attrs) for lid, attrs in rows if lid in names]  # the template's tables only
    write_rows(path, rows, after=last)
    for number, journal in found.items():
        if number <= last:
            journal.unlink(missing_ok=True)
    return len(rows)


class Saver:
    """Appends the items moto wrote since the last save to the current journal: on `tick()`, which a thread calls
    every `interval` seconds once `start()`ed, and at `stop()`, which then merges everything into the base."""

    def __init__(self, template: Template, path: Path, interval: float = SAVE_EVERY_SECONDS) -> None:
        self.template = template
        self.path = path
        self.interval = interval
        self.names = key_names(template)
        moto_tables.track_changes()
        moto_tables.take_changes()  # what was there before (the restore) is on disk already
        self._journal = max(journals(path), default=0) + 1  # never append to a journal a kill may have cut
        self._journaled = 0  # lines in the journals since the last merge
        with MOTO_LOCK:
            self._base_rows = sum(len(table) for table in _tables(template).values())
        self._lock = threading.Lock()  # one save at a time: the thread's, a test's tick, stop's
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> bool:
        """Journal what moto wrote since the last save; whether there was anything. Merges when the journals
        hold more lines than the base and at least MERGE_AT_LEAST."""
        with self._lock:
            changes = copy_changes(self.template)
            if not changes:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            append_changes(journal_file(self.path, self._journal), changes)
            self._journaled += len(changes)
            if self._journaled >= max(MERGE_AT_LEAST, self._base_rows):
                self._merge()
            return True

    def _merge(self) -> None:
        self._journal += 1  # later changes go to a new journal: the merge reads only finished ones
        self._base_rows = merge(self.path, self.names)
        self._journaled = 0
        log.debug("merged the journals into %s (%d items)", self.path, self._base_rows)

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
        """Stop the thread, journal the last writes and merge: a stopped run leaves one file."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.tick()
            with self._lock:
                if journals(self.path):
                    self._merge()
        except Exception:  # logged, and the runner goes on stopping
            log.exception("saving %s at stop failed: the writes since the last save may be lost", self.path)
        finally:
            moto_tables.untrack_changes()
