"""The local run's sign-in, never deployed: the OAuth 2 authorization code flow with PKCE that Cognito's hosted UI
runs in AWS, with a form instead of a user pool. The console signs in an operator (a token with the admin scope),
the wallet a member (a member token whose sub is the member id); tokens are minted with the local secret
(local/token.py), so the emulated JWT authorizer accepts them as it does `make token`'s."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

AUTHORIZE_PATH = "/local/oauth2/authorize"
TOKEN_PATH = "/local/oauth2/token"
CODE_SECONDS = 300
CONSOLE_PATHS = ("/console/", "/wallet/")


class SignInError(Exception):
    """A request the sign-in refuses: its status and OAuth 2 error code."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    sub: str
    scope: str
    expires: float


@dataclass
class SignIn:
    """The codes handed out and not yet exchanged (each once, within CODE_SECONDS)."""

    grants: dict[str, Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize_form(self, query: str, origin: str) -> str:
        """GET /local/oauth2/authorize: the form, after checking what the console asked for."""
        params = _authorize_params(dict(parse_qsl(query)), origin)
        return _form(params)

    def authorize(self, body: str, origin: str) -> str:
        """POST of the form: the URL to send the browser back to, with a code and the console's state."""
        fields = dict(parse_qsl(body))
        params = _authorize_params(fields, origin)
        member = params["client_id"].endswith("wallet")
        sub = fields.get("member_id" if member else "operator", "").strip()
        if not sub:
            raise SignInError(400, "invalid_request", "say who signs in")
        scope = "loyalty/admin" if "loyalty/admin" in params.get("scope", "").split() and not member else ""
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.grants[code] = Grant(params["client_id"], params["redirect_uri"], params["code_challenge"], sub,
                                      scope, time.monotonic() + CODE_SECONDS)
        return f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params.get('state', '')})}"

    def exchange(self, body: str) -> dict[str, str | int]:
        """POST /local/oauth2/token: a code and its PKCE verifier for an access token."""
        fields = dict(parse_qsl(body))
        if fields.get("grant_type") != "authorization_code":
            raise SignInError(400, "unsupported_grant_type", "only authorization_code")
        with self.lock:
            grant = self.grants.pop(fields.get("code", ""), None)
        if grant is None or grant.expires < time.monotonic():
            raise SignInError(400, "invalid_grant", "unknown, used or expired code")
        if (fields.get("client_id"), fields.get("redirect_uri")) != (grant.client_id, grant.redirect_uri):
            raise SignInError(400, "invalid_grant", "client_id or redirect_uri differ from the authorization's")
        if _challenge(fields.get("code_verifier", "")) != grant.challenge:
            raise SignInError(400, "invalid_grant", "the code_verifier does not match the code_challenge")
        from . import token  # token reads the secret from http_api, which imports this module

        access = token.mint(grant.sub, grant.scope)
        return {"access_token": access, "id_token": access, "token_type": "Bearer", "expires_in": token.TTL_SECONDS}


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize_params(params: dict[str, str], origin: str) -> dict[str, str]:
    """The authorization request, checked: a code with S256 PKCE, back to a console of this very origin."""
    redirect = urlsplit(params.get("redirect_uri", ""))
    if f"{redirect.scheme}://{redirect.netloc}" != origin or redirect.path not in CONSOLE_PATHS:
        raise SignInError(400, "invalid_request", "redirect_uri must be /console/ or /wallet/ of this origin")
    if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256":
        raise SignInError(400, "invalid_request", "response_type=code with code_challenge_method=S256 only")
    if not params.get("code_challenge") or not params.get("client_id"):
        raise SignInError(400, "invalid_request", "client_id and code_challenge are required")
    keep = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")
    return {k: params[k] for k in keep if k in params}


def _form(params: dict[str, str]) -> str:
    member = params["client_id"].endswith("wallet")
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items())
    name, label, value = ("member_id", "Member id", "") if member else ("operator", "Operator name", "operator")
    title = "Sign in to the wallet" if member else "Sign in to the operator console"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} (local)</title>
<style>body{{font-family:system-ui,sans-serif;color:#0f172a;max-width:28rem;margin:4rem auto}}label{{display:block;
font-weight:600;margin:.5rem 0 .2rem}}input{{font:inherit;padding:.35rem}}button{{font:inherit;margin-top:1rem;
padding:.4rem 1rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px}}</style></head>
<body><main><h1>{title}</h1><p>Local run only: no password; the token is signed with the local secret.</p>
<form method="post">{hidden}<label for="who">{label}</label>
<input id="who" name="{name}" value="{value}" required autofocus>
<button type="submit">Sign in</button></form></main></body></html>"""
