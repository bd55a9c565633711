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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from .httpd import Handler
from .runtime import Functions
from .template import ACCOUNT, Route

log = logging.getLogger("local.api")

DEFAULT_JWT_SECRET = "local-dev-secret"  # the documented local secret
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


def verify_token(authorization: str | None) -> dict[str, Any] | None:
    """The JWT claims, or None when the token is missing or invalid. The token may be prefixed with "Bearer "."""
    if not authorization:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    secret = os.environ.get("LOYALTY_LOCAL_JWT_SECRET", DEFAULT_JWT_SECRET)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp"], "verify_aud": False}
        )
    except jwt.PyJWTError:
        return None
    return claims


def build_event(handler: Handler, route: Route, params: dict[str, str], body: bytes,
                authorizer: dict[str, Any] | None) -> dict[str, Any]:
    split = urlsplit(handler.path)
    headers: dict[str, str] = {}
    for name, value in handler.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookie_header = headers.pop("cookie", None)
    query: dict[str, str] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": headers,
        "queryStringParameters": query or None,
        "pathParameters": params or None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": handler.command,
                "path": split.path,
                "protocol": handler.request_version,
                "sourceIp": handler.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
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
        except UnicodeDecodeError:
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


class ApiHandler(Handler):
    def handle_any(self) -> None:
        started = time.perf_counter()
        body = self.read_body()
        app: ApiApp = self.server.app
        found = app.router.match(self.command, urlsplit(self.path).path)
        if found is None:
            self.send_json(404, NOT_FOUND)
            return
        route, params = found
        authorizer = None
        if route.auth_required:
            claims = verify_token(self.headers.get("Authorization"))
            if claims is None:
                self.send_json(401, UNAUTHORIZED, headers=[("WWW-Authenticate", "Bearer")])
                return
            # no route has AuthorizationScopes, so API Gateway passes none
            authorizer = {"jwt": {"claims": {k: claim_string(v) for k, v in claims.items()}, "scopes": None}}
        event = build_event(self, route, params, body, authorizer)
        request_id = event["requestContext"]["requestId"]
        try:
            result = app.functions.invoke(route.function, event)
            status, headers, raw = http_response(result)
        except Exception:
            log.exception("%s %s: %s failed", self.command, self.path, route.function)
            status, headers, raw = 500, [("Content-Type", "application/json")], json.dumps(INTERNAL_ERROR).encode()
        self.send(status, raw, [*headers, ("apigw-requestid", request_id)])
        log.info("%s %s -> %d (%s, %.0f ms)", self.command, self.path, status, route.function,
                 (time.perf_counter() - started) * 1e3)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_any


@dataclass
class ApiApp:
    router: Router
    functions: Functions
