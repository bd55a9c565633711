"""CORS as API Gateway's HTTP API answers it, from the template's CorsConfiguration (Template.cors()).

A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered by the API itself, 204, before any
route or authorizer: with the Access-Control-* headers when the origin is allowed, without them when it is not.
Any other answer to a request from an allowed origin gets Access-Control-Allow-Origin (and the exposed headers)."""

from __future__ import annotations

from collections.abc import Mapping

from .template import Cors

Headers = list[tuple[str, str]]
RequestHeaders = Mapping[str, str]  # a request's headers, names in lower case


def is_preflight(method: str, headers: RequestHeaders) -> bool:
    return method == "OPTIONS" and bool(headers.get("origin")) and bool(headers.get("access-control-request-method"))


def allowed_origin(cors: Cors, origin: str | None) -> str | None:
    """What Access-Control-Allow-Origin says for this origin: "*" (any, without credentials), the origin, or None."""
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return origin if cors.allow_credentials else "*"
    return origin if origin.lower() in {o.lower().rstrip("/") for o in cors.allow_origins} else None


def preflight(cors: Cors, headers: RequestHeaders) -> Headers:
    """The headers of the 204 answer to a preflight: none for an origin, method or header that is not allowed."""
    origin = allowed_origin(cors, headers.get("origin"))
    method = str(headers.get("access-control-request-method", "")).upper()
    asked = [h.strip().lower() for h in str(headers.get("access-control-request-headers", "")).split(",") if h.strip()]
    methods = {m.upper() for m in cors.allow_methods}
    allowed_headers = {h.lower() for h in cors.allow_headers}
    if origin is None or ("*" not in methods and method not in methods):
        return []
    if "*" not in allowed_headers and any(h not in allowed_headers for h in asked):
        return []
    answer = [("Access-Control-Allow-Origin", origin),
              ("Access-Control-Allow-Methods", ",".join(cors.allow_methods)),
              ("Access-Control-Allow-Headers", ",".join(asked) if "*" in allowed_headers else ",".join(cors.allow_headers))]
    if cors.max_age is not None:
        answer.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    return answer


def on_answer(cors: Cors, headers: RequestHeaders) -> Headers:
    """The headers added to an answer: API Gateway's replace any the function set itself."""
    origin = allowed_origin(cors, headers.get("origin"))
    if origin is None:
        return []
    answer = [("Access-Control-Allow-Origin", origin)]
    if cors.expose_headers:
        answer.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    return answer


def without_cors(headers: Headers) -> Headers:
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
