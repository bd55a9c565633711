"""How the JSON documents of the items are stored: a member's state, a ledger entry's answer, detail and lot.

A member holds a bucket per live expiry date and a qualifying figure per day of the rolling window (up to ~400
each): as JSON maps a year of daily check-ins makes a 21 KB item, and every write of an item is charged per KB
(twice in a transaction). Packed, the day-keyed maps become columns (day numbers as differences, then each
value's column) and the whole is zlib-compressed: the same member packs into well under 1 KB. No rule here: the
domain sees the same document it gave."""
from __future__ import annotations

import json
import zlib
from datetime import date
from typing import Any

DAYS = "~days"  # a packed map's marker: its day numbers, the first one absolute, then differences
DayMaps = tuple[tuple[str, ...], ...]  # where a document's maps keyed by ISO day are
DAY_MAPS_OF_STATE: DayMaps = (("wallet", "buckets"), ("qualifying_by_day",))
DAY_MAPS_OF_DETAIL: DayMaps = (("draws",),)  # a spend's points drawn per expiry date


def pack_text(text: str) -> bytes:
    """Raw deflate: without zlib's header and checksum, 6 bytes a document fewer (DynamoDB keeps its own CRC)."""
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(text.encode()) + packer.flush()


def unpack_text(data: bytes) -> str:
    return zlib.decompress(data, wbits=-15).decode()


def pack_json(value: Any) -> bytes:
    return pack_text(json.dumps(value, separators=(",", ":")))


def unpack_json(data: bytes) -> Any:
    return json.loads(unpack_text(data))


def pack_state(document: dict[str, Any], day_maps: DayMaps = DAY_MAPS_OF_STATE) -> bytes:
    packed = dict(document)
    for path in day_maps:
        _replace(packed, path, _columns)
    return pack_json(packed)


def unpack_state(data: bytes, day_maps: DayMaps = DAY_MAPS_OF_STATE) -> dict[str, Any]:
    document: dict[str, Any] = unpack_json(data)
    for path in day_maps:
        _replace(document, path, _rows)
    return document


def _replace(document: dict[str, Any], path: tuple[str, ...], change: Any) -> None:
    """Swap the value at `path` (copying the maps on the way, so the caller's document is left as it was)."""
    *parents, last = path
    for name in parents:
        if not isinstance(document.get(name), dict):
            return
        document[name] = dict(document[name])
        document = document[name]
    if last in document:
        document[last] = change(document[last])


def _columns(by_day: dict[str, Any]) -> dict[str, Any]:
    """{day: value} as {DAYS: [first, +d, ...], "": [values]} or, for values that are maps of numbers, one column
    per field."""
    days = sorted(by_day)
    numbers = [date.fromisoformat(d).toordinal() for d in days]
    packed: dict[str, Any] = {DAYS: [n - p for n, p in zip(numbers, [0, *numbers], strict=False)]}
    values = [by_day[d] for d in days]
    if values and isinstance(values[0], dict):
        for name in values[0]:
            packed[name] = [v[name] for v in values]
    else:
        packed[""] = values
    return packed


def _rows(packed: dict[str, Any]) -> dict[str, Any]:
    numbers, total = [], 0
    for step in packed.pop(DAYS):
        total += step
        numbers.append(total)
    days = [date.fromordinal(n).isoformat() for n in numbers]
    if "" in packed:
        return dict(zip(days, packed[""], strict=True))
    return {d: {name: column[i] for name, column in packed.items()} for i, d in enumerate(days)}
