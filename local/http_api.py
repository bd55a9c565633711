"""The template's HTTP API: routes of the HttpApi events, payload 2.0 events, the JWT authorizer emulated with HS256."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import time
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from . import consoles, cors
from .httpd import BodyError, Handler
from .runtime import Functions
from .sign_in import AUTHORIZE_PATH, TOKEN_PATH, SignIn, SignInError
from .template import ACCOUNT, Cors, Route

log = logging.getLogger("local.api")

DEFAULT_JWT_SECRET = "local-dev-secret"  # the documented local secret
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's own limit: a larger body is refused before it is read
BODY_LIMIT = 64 * 1024  # the contract's limit, for every route but those in BODY_LIMITS
# route key -> its own limit: a program document, an import of up to 1 000 members
BODY_LIMITS: dict[str, int] = {"PUT /v1/admin/program": 1024 * 1024, "POST /v1/admin/imports": 6 * 1024 * 1024}
UNAUTHORIZED = {"message": "Unauthorized"}
NOT_FOUND = {"message": "Not Found"}
INTERNAL_ERROR = {"message": "Internal Server Error"}
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)  # the documented local secret is short


@dataclass
class CompiledRoute:
    route: Route
    regex: re.Pattern[str]
    params: list[str]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        params, parts = [], []
        for segment in route.path.strip("/").split("/"):
            match = re.fullmatch(r"\{(\w+)\}", segment)
            if match:
                params.append(match.group(1))
                parts.append("([^/]+)")
            else:
                parts.append(re.escape(segment))
        return cls(route, re.compile("/" + "/".join(parts)), params)


class Router:
    def __init__(self, routes: list[Route]) -> None:
        # API Gateway prefers literal segments: try the routes with fewer parameters first
        self.routes = sorted((CompiledRoute.of(r) for r in routes), key=lambda c: len(c.params))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for compiled in self.routes:
            found = compiled.regex.fullmatch(path) if compiled.route.method == method else None
            if found:
                return compiled.route, {k: unquote(v) for k, v in zip(compiled.params, found.groups(), strict=True)}
        return None


def claim_string(value: Any) -> str:
    """API Gateway hands JWT claims to the handler as strings; arrays look like "[a b]"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def jwt_secret() -> str:
    return os.environ.get("LOYALTY_LOCAL_JWT_SECRET", DEFAULT_JWT_SECRET)


def verify_token(authorization: str | None) -> dict[str, Any] | None:
    """The JWT claims, or None when the token is missing or invalid. The token may be prefixed with "Bearer "."""
    if not authorization:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    try:
        claims: dict[str, Any] = jwt.decode(
            token, jwt_secret(), algorithms=["HS256"], options={"require": ["exp"], "verify_aud": False}
        )
    except jwt.PyJWTError:
        return None
    return claims


def jwt_authorizer(claims: dict[str, Any]) -> dict[str, Any]:
    """The authorizer context API Gateway passes for a valid token (no route has AuthorizationScopes: no scopes)."""
    return {"jwt": {"claims": {k: claim_string(v) for k, v in claims.items()}, "scopes": None}}


def build_event(method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes, route: Route,
                params: dict[str, str], authorizer: dict[str, Any] | None, source_ip: str = "127.0.0.1",
                protocol: str = "HTTP/1.1") -> dict[str, Any]:
    """The payload 2.0 event of a request: `target` is the raw path and query, as on the request line."""
    split = urlsplit(target)
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    cookie_header = merged.pop("cookie", None)
    query: dict[str, str] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = datetime.now(UTC)
    host = merged.get("host", "127.0.0.1")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": merged,
        "queryStringParameters": query or None,
        "pathParameters": params or None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": split.path, "protocol": protocol, "sourceIp": source_ip,
                     "userAgent": merged.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
            "authorizer": authorizer,
        },
        "isBase64Encoded": False,
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:  # API Gateway passes bytes that are not text base64-encoded
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Translate a payload 2.0 response (or a bare value, which API Gateway answers as JSON with 200)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, [("Content-Type", "application/json")], json.dumps(result).encode()
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or [])
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, raw


class Refused(Exception):
    """An answer of API Gateway itself: the function is not invoked."""

    def __init__(self, status: int, doc: Any, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(status)
        self.status, self.doc, self.headers = status, doc, headers or []


def contract_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class ApiHandler(Handler):
    def send(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None) -> None:
        """Every answer but a preflight's gets the CORS headers API Gateway adds (its own replace the function's)."""
        config: Cors | None = self.server.app.cors
        request_headers = self._lower_headers()
        if config is not None and request_headers and not cors.is_preflight(self.command, request_headers):
            headers = [*cors.without_cors(headers or []), *cors.on_answer(config, request_headers)]
        super().send(status, body, headers)

    def handle_any(self) -> None:
        if self._answered_locally():
            return
        started = time.perf_counter()
        try:
            route, event = self._event()
        except Refused as refused:
            self.send_json(refused.status, refused.doc, headers=refused.headers)
            return
        try:
            result = self.server.app.functions.invoke(route.function, event)
            status, headers, raw = http_response(result)
        except Exception:
            log.exception("%s %s: %s failed", self.command, self.path, route.function)
            status, headers, raw = 500, [("Content-Type", "application/json")], json.dumps(INTERNAL_ERROR).encode()
        self.send(status, raw, [*headers, ("apigw-requestid", event["requestContext"]["requestId"])])
        log.info("%s %s -> %d (%s, %.0f ms)", self.command, self.path, status, route.function,
                 (time.perf_counter() - started) * 1e3)

    def _lower_headers(self) -> dict[str, str]:
        """The request's headers by lower-case name ({} before they are parsed)."""
        parsed = getattr(self, "headers", None)
        return {k.lower(): v for k, v in parsed.items()} if parsed is not None else {}

    def _answered_locally(self) -> bool:
        """A CORS preflight, the consoles and the local sign-in: answered here, never by a function."""
        path = urlsplit(self.path).path
        app: ApiApp = self.server.app
        headers = self._lower_headers()
        preflight = app.cors is not None and cors.is_preflight(self.command, headers)
        console = consoles.app_of(path)
        if not (preflight or console or path in (AUTHORIZE_PATH, TOKEN_PATH)):
            return False
        try:
            body = self.read_body(BODY_LIMIT)
        except BodyError as exc:
            self.send_json(exc.status, contract_error(exc.code, exc.message))
            return True
        if preflight and app.cors is not None:
            self.send(204, b"", cors.preflight(app.cors, headers))
        elif console:
            self._console(path)
        else:
            self._sign_in(path, body.decode("utf-8", "replace"))
        return True

    def _origin(self) -> str:
        return f"http://{self.headers.get('Host') or self.server.url.removeprefix('http://')}"

    def _console(self, path: str) -> None:
        if self.command not in ("GET", "HEAD") or self.server.app.root is None:
            self.send_json(404, NOT_FOUND)
            return
        asset = consoles.serve(self.server.app.root, path, self._origin())
        self.send(asset.status, asset.body, asset.headers)

    def _sign_in(self, path: str, body: str) -> None:
        sign_in: SignIn = self.server.app.sign_in
        query = urlsplit(self.path).query
        try:
            if path == TOKEN_PATH and self.command == "POST":
                self.send_json(200, sign_in.exchange(body), headers=[("Cache-Control", "no-store")])
            elif path == AUTHORIZE_PATH and self.command == "GET":
                page = sign_in.authorize_form(query, self._origin()).encode()
                self.send(200, page, [("Content-Type", "text/html; charset=utf-8")])
            elif path == AUTHORIZE_PATH and self.command == "POST":
                self.send(302, b"", [("Location", sign_in.authorize(body, self._origin()))])
            else:
                self.send_json(404, NOT_FOUND)
        except SignInError as exc:
            self.send_json(exc.status, {"error": exc.error, "error_description": exc.description})

    def _event(self) -> tuple[Route, dict[str, Any]]:
        """The route and its event, or Refused: no route (whatever the method), a body too large, no valid token."""
        try:
            body = self.read_body(MAX_REQUEST_BYTES)  # read even when refused, so the connection stays usable
        except BodyError as exc:
            raise Refused(exc.status, contract_error(exc.code, exc.message)) from None
        found = self.server.app.router.match(self.command, urlsplit(self.path).path)
        if found is None:
            raise Refused(404, NOT_FOUND)
        route, params = found
        limit = BODY_LIMITS.get(route.route_key, BODY_LIMIT)
        if len(body) > limit:
            raise Refused(413, contract_error("PAYLOAD_TOO_LARGE", f"the body has {len(body)} bytes; at most {limit}"))
        authorizer = None
        if route.auth_required:
            claims = verify_token(self.headers.get("Authorization"))
            if claims is None:
                raise Refused(401, UNAUTHORIZED, [("WWW-Authenticate", "Bearer")])
            authorizer = jwt_authorizer(claims)
        event = build_event(self.command, self.path, self.headers.items(), body, route, params, authorizer,
                            self.client_address[0], self.request_version)
        return route, event


@dataclass
class ApiApp:
    router: Router
    functions: Functions
    cors: Cors | None = None  # the template's CorsConfiguration
    root: Path | None = None  # the repo root: the consoles' bundles are under consoles/dist
    sign_in: SignIn = field(default_factory=SignIn)
