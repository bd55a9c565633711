"""moto's DynamoDB answers without its generic walk over every attribute value.

moto 5.2 serialises an answer by walking botocore's output shape, and for each `AttributeValue` (every attribute
of every item, nested ones included) it asks its attribute picker for each of the ten members S, N, B, SS, NS,
BS, M, L, NULL and BOOL through several alias providers. That walk is most of moto's CPU per DynamoDB call in our
tests and the local run. An attribute value is already in wire form once moto has made it a dict (only binary
values need base64), so `install()` writes those directly and leaves every other shape to moto's serializer.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from moto.core.serialize import BaseJSONSerializer

_installed = False


class NotWire(Exception):
    """A value moto's own serializer must handle (it would drop or convert something)."""


def wire(value: Any) -> dict[str, Any]:
    """An attribute value as moto's serializer writes it: {type: value}, binary in base64."""
    if not isinstance(value, dict) or not value or not set(value) <= _MEMBERS.keys():
        raise NotWire
    # moto's serializer leaves out a member that is None
    return {kind: _MEMBERS[kind](inner) for kind, inner in value.items() if inner is not None}


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise NotWire
    return value


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise NotWire  # moto would str() a number; ours never are (to be safe, its serializer decides)
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise NotWire
    return value


def _base64(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        raise NotWire
    return base64.b64encode(value).strip().decode("utf-8")


def _map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NotWire
    return {str(k): wire(v) for k, v in value.items()}


def _strings(value: Any) -> list[Any]:
    return [_string(v) for v in _list(value)]


def _binaries(value: Any) -> list[str]:
    return [_base64(v) for v in _list(value)]


def _values(value: Any) -> list[dict[str, Any]]:
    return [wire(v) for v in _list(value)]


# each member of an AttributeValue, and how its value goes on the wire
_MEMBERS: dict[str, Callable[[Any], Any]] = {
    "S": _string, "N": _string, "NULL": _bool, "BOOL": _bool, "SS": _strings, "NS": _strings,
    "B": _base64, "BS": _binaries, "M": _map, "L": _values,
}


def _direct(serialize: Callable[..., None]) -> Callable[..., None]:
    def serialize_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and self.service_model.service_name == "dynamodb":
            try:
                serialized[self.get_serialized_name(shape, key)] = wire(value)
                return
            except NotWire:
                pass
        serialize(self, serialized, value, shape, key)
    serialize_structure.__wrapped__ = serialize  # type: ignore[attr-defined]
    return serialize_structure


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    own = BaseJSONSerializer._serialize_type_structure
    BaseJSONSerializer._serialize_type_structure = _direct(own)  # type: ignore[method-assign]
