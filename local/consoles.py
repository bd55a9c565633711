"""The operator console and the member wallet, served by the local run at /console/ and /wallet/ from the bundles
in consoles/dist (built by `make consoles`), with the config.json each reads: the API is this origin and sign-in
is local/sign_in.py's (in AWS: CloudFront serves the same files and deploy writes a config naming Cognito)."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from .sign_in import AUTHORIZE_PATH

APPS = {"console": "loyalty/admin", "wallet": ""}  # each console, the scope it asks for
DIST = Path("consoles") / "dist"


@dataclass(frozen=True)
class Asset:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


def app_of(path: str) -> str | None:
    """The console a path is under ("/console/..." -> "console"), or None."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in APPS else None


def config(app: str, origin: str) -> dict[str, str | None]:
    """What the console reads at start: the API's URL and the OAuth 2 endpoints (the hosted UI's, in AWS)."""
    return {"api_url": origin, "issuer": "local", "client_id": f"local-{app}", "scopes": APPS[app],
            "domain": origin + AUTHORIZE_PATH.removesuffix("/oauth2/authorize"), "logout_url": None}


def serve(root: Path, path: str, origin: str) -> Asset:
    """GET of a path under /console/ or /wallet/: a file of the bundle, config.json, or a 404."""
    app = app_of(path)
    assert app is not None
    rest = path.lstrip("/")[len(app):]
    if rest == "":
        return Asset(302, b"", [("Location", f"/{app}/")])
    if rest == "/config.json":
        body = json.dumps(config(app, origin)).encode()
        return Asset(200, body, [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
    base = (root / DIST / app).resolve()
    target = (base / (rest.lstrip("/") or "index.html")).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        if not (base / "index.html").is_file():
            return _not_found(f"the {app} is not built: run make consoles")
        return _not_found(f"no such file: {path}")
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind == "application/javascript":
        kind += "; charset=utf-8"
    cache = "no-cache" if target.name == "index.html" else "public, max-age=31536000, immutable"
    return Asset(200, target.read_bytes(), [("Content-Type", kind), ("Cache-Control", cache)])


def _not_found(message: str) -> Asset:
    return Asset(404, json.dumps({"message": message}).encode(), [("Content-Type", "application/json")])
