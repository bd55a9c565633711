"""Bad bytes are bad input: the checks a request body passes before anything parses it for real."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..domain.errors import ErrorCode, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 64 * 1024  # the contract's limit (API Gateway's own is 10 MB)
# route key -> its own limit: a whole program document; an import of up to 1 000 members with their lots (Lambda's
# synchronous payload is 6 MB); a bulk credit's 10 000 member ids
ROUTE_BODY_LIMITS = {"PUT /v1/admin/program": 1024 * 1024, "POST /v1/admin/imports": 6 * 1024 * 1024,
                     "POST /v1/admin/bulk-credits": 1024 * 1024}
MAX_DEPTH = 32  # no request of the contract nests deeper than 4
MAX_NUMBER_CHARS = 40  # every bound of the contract fits in 12 digits; Python refuses ints over 4 300 digits


def _bad(message: str) -> InvalidRequest:
    return InvalidRequest(ErrorCode.INVALID_REQUEST, f"body: {message}")


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise _bad(f"a number of {len(text)} characters is beyond every bound")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _no_constant(text: str) -> Any:
    raise _bad(f"{text} is not JSON")


def _depth(value: Any) -> int:
    """How deep containers nest (without recursion: the input decides the depth)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _decoded(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("the base64 encoding is broken") from None


def body_limit(route_key: str | None) -> int:
    return ROUTE_BODY_LIMITS.get(route_key or "", MAX_BODY_BYTES)


def parse_body(body: str | None, is_base64: bool, content_type: str | None,
               limit: int = MAX_BODY_BYTES) -> dict[str, Any] | None:
    """The JSON object a request sent (None for no body); a 4xx refusal unless it is UTF-8 JSON within limits."""
    if not body:
        return None
    raw = _decoded(body, is_base64)
    if len(raw) > limit:
        raise PayloadTooLarge(ErrorCode.PAYLOAD_TOO_LARGE, f"the body has {len(raw)} bytes; at most {limit}")
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType(ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"send JSON (application/json), not {media}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("not UTF-8") from None
    try:
        value = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise _bad(f"not JSON ({err.msg} at {err.pos})") from None
    except RecursionError:
        raise _bad(f"nested deeper than {MAX_DEPTH}") from None
    if not isinstance(value, dict):
        raise _bad("the request body must be a JSON object")
    if _depth(value) > MAX_DEPTH:
        raise _bad(f"nested deeper than {MAX_DEPTH}")
    return value
