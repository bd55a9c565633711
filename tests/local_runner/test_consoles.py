"""The local run's side of the consoles: CORS read from the template and answered as API Gateway's HTTP API does,
the local-only sign-in (authorization code + PKCE, tokens the emulated authorizer accepts), the bundles served
from consoles/dist, and the committed bundles built from the sources as they are (no npm needed to check)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

import local
from local import http_api
from local.template import Template
from tests.support.throwaway_app import run_app

ROOT = Path(__file__).resolve().parents[2]
SHOP = "https://shop.example"

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origins:
    Type: CommaDelimitedList
    Default: ""
Conditions:
  OriginsGiven: !Not [!Equals [!Join ["", !Ref Origins], ""]]
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers: {Jwt: {IdentitySource: $request.header.Authorization}}
      CorsConfiguration:
        AllowOrigins: !If [OriginsGiven, !Ref Origins, ["https://shop.example"]]
        AllowMethods: [GET, POST]
        AllowHeaders: [authorization, content-type]
        ExposeHeaders: [apigw-requestid]
        MaxAge: 600
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo/
      Handler: app.handler
      Events:
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /v1/open, Method: GET, Auth: {Authorizer: NONE}}
        Closed:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /v1/closed, Method: GET}
"""

ECHO = """
def handler(event, context):
    # a function's own CORS header: API Gateway's replaces it
    return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "https://other.example"}, "body": "{}"}
"""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Runner]:
    root = tmp_path_factory.mktemp("app")
    (root / "consoles" / "dist" / "console" / "assets").mkdir(parents=True)
    (root / "consoles" / "dist" / "console" / "index.html").write_text("<!doctype html><title>console</title>")
    (root / "consoles" / "dist" / "console" / "assets" / "app.js").write_text("export {};")
    (root / "secret.txt").write_text("not served")
    yield from run_app(root, TEMPLATE, {"echo": ECHO})


def request(runner: local.Runner, method: str, path: str, headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = urlsplit(runner.api_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    raw = answer.read()
    connection.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, raw


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


PREFLIGHT = {"Origin": SHOP, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "Authorization, Content-Type"}


def test_a_preflight_from_an_allowed_origin_gets_the_configured_headers(runner: local.Runner) -> None:
    status, headers, body = request(runner, "OPTIONS", "/v1/closed", PREFLIGHT)  # no token, no OPTIONS route
    assert (status, body) == (204, b"")
    assert cors_headers(headers) == {
        "access-control-allow-origin": SHOP, "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "authorization,content-type", "access-control-max-age": "600"}


@pytest.mark.parametrize("change", [{"Origin": "https://evil.example"},
                                    {"Access-Control-Request-Method": "DELETE"},
                                    {"Access-Control-Request-Headers": "x-api-key"}])
def test_a_preflight_not_allowed_gets_no_cors_headers(runner: local.Runner, change: dict[str, str]) -> None:
    status, headers, _ = request(runner, "OPTIONS", "/v1/open", {**PREFLIGHT, **change})
    assert status == 204
    assert cors_headers(headers) == {}


def test_answers_to_an_allowed_origin_carry_the_origin_and_exposed_headers(runner: local.Runner) -> None:
    status, headers, _ = request(runner, "GET", "/v1/open", {"Origin": SHOP})
    assert status == 200
    assert cors_headers(headers) == {"access-control-allow-origin": SHOP,
                                     "access-control-expose-headers": "apigw-requestid"}
    status, headers, _ = request(runner, "GET", "/v1/closed", {"Origin": SHOP})  # the authorizer's own 401 too
    assert (status, headers["access-control-allow-origin"]) == (401, SHOP)
    status, headers, _ = request(runner, "GET", "/v1/open", {"Origin": "https://evil.example"})
    assert status == 200 and cors_headers(headers) == {}  # the function's own header is not passed on either
    assert cors_headers(request(runner, "GET", "/v1/open")[1]) == {}


def test_the_templates_cors_defaults_to_the_consoles_origin_and_takes_overrides() -> None:
    template = ROOT / "template.yaml"
    default = Template(template, overrides={}).cors()
    assert default is not None and default.allow_origins == ("https://ConsolesDistribution.cloudfront.invalid",)
    assert "authorization" in default.allow_headers and "PUT" in default.allow_methods
    given = Template(template, overrides={"CorsAllowedOrigins": "https://a.example,https://b.example"}).cors()
    assert given is not None and given.allow_origins == ("https://a.example", "https://b.example")
    with pytest.raises(ValueError, match="no parameter Nope"):
        Template(template, overrides={"Nope": "1"})


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(b"v" * 40).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(runner: local.Runner, client_id: str, who: dict[str, str], challenge: str,
              redirect: str | None = None) -> tuple[int, dict[str, str], bytes]:
    params = {"response_type": "code", "client_id": client_id, "scope": "openid loyalty/admin", "state": "s-1",
              "redirect_uri": redirect or f"{runner.api_url}/{client_id.removeprefix('local-')}/",
              "code_challenge": challenge, "code_challenge_method": "S256"}
    return request(runner, "POST", "/local/oauth2/authorize", {"Content-Type": "application/x-www-form-urlencoded"},
                   urlencode({**params, **who}))


def exchange(runner: local.Runner, code: str, verifier: str, client: str = "local-console") -> tuple[int, dict[str, str]]:
    form = {"grant_type": "authorization_code", "code": code, "client_id": client, "code_verifier": verifier,
            "redirect_uri": f"{runner.api_url}/{client.removeprefix('local-')}/"}
    status, _, body = request(runner, "POST", "/local/oauth2/token",
                              {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(form))
    return status, json.loads(body)


def test_the_local_sign_in_is_an_authorization_code_with_pkce(runner: local.Runner) -> None:
    verifier, challenge = pkce()
    query = urlencode({"response_type": "code", "client_id": "local-console", "redirect_uri": f"{runner.api_url}/console/",
                       "state": "s-1", "code_challenge": challenge, "code_challenge_method": "S256"})
    status, headers, page = request(runner, "GET", f"/local/oauth2/authorize?{query}")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert re.search(rb'<label for="who">Operator name</label>', page)

    status, headers, _ = authorize(runner, "local-console", {"operator": "ops-7"}, challenge)
    assert status == 302
    back = urlsplit(headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{runner.api_url}/console/"
    code = parse_qs(back.query)["code"][0]
    assert parse_qs(back.query)["state"] == ["s-1"]

    assert exchange(runner, code, "not-the-verifier")[0] == 400  # a wrong verifier spends the code...
    status, headers, _ = authorize(runner, "local-console", {"operator": "ops-7"}, challenge)
    code = parse_qs(urlsplit(headers["location"]).query)["code"][0]
    status, tokens = exchange(runner, code, verifier)
    assert status == 200
    claims = http_api.verify_token(tokens["access_token"])
    assert claims is not None and (claims["sub"], claims["scope"]) == ("ops-7", "loyalty/admin")
    assert exchange(runner, code, verifier) == (400, {"error": "invalid_grant",
                                                      "error_description": "unknown, used or expired code"})


def test_the_wallet_signs_in_a_member_without_the_admin_scope(runner: local.Runner) -> None:
    verifier, challenge = pkce()
    _, headers, _ = authorize(runner, "local-wallet", {"member_id": "m-42"}, challenge)
    code = parse_qs(urlsplit(headers["location"]).query)["code"][0]
    status, tokens = exchange(runner, code, verifier, client="local-wallet")
    claims = http_api.verify_token(tokens["access_token"])
    assert status == 200 and claims is not None and claims["sub"] == "m-42" and "scope" not in claims


@pytest.mark.parametrize("redirect", ["https://evil.example/console/", "{api}/v1/members", "{api}/console/x"])
def test_the_sign_in_sends_codes_only_back_to_a_console_of_its_origin(runner: local.Runner, redirect: str) -> None:
    status, _, body = authorize(runner, "local-console", {"operator": "ops"}, pkce()[1],
                                redirect=redirect.format(api=runner.api_url))
    assert status == 400 and json.loads(body)["error"] == "invalid_request"


def test_the_consoles_are_served_with_their_config(runner: local.Runner) -> None:
    status, headers, body = request(runner, "GET", "/console/")
    assert (status, body) == (200, b"<!doctype html><title>console</title>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, headers, _ = request(runner, "GET", "/console/assets/app.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert request(runner, "GET", "/console")[1]["location"] == "/console/"
    status, _, body = request(runner, "GET", "/console/config.json")
    assert status == 200
    assert json.loads(body) == {"api_url": runner.api_url, "issuer": "local", "client_id": "local-console",
                                "scopes": "loyalty/admin", "domain": f"{runner.api_url}/local", "logout_url": None}
    assert request(runner, "GET", "/console/../secret.txt")[0] == 404
    assert request(runner, "GET", "/console/%2e%2e/%2e%2e/secret.txt")[0] == 404
    status, _, body = request(runner, "GET", "/wallet/")
    assert status == 404 and b"make consoles" in body
    assert request(runner, "POST", "/console/")[0] == 404


def sources_hash(root: Path) -> str:
    """consoles/stamp.mjs's hash: every source file by its path, sorted."""
    sources = ["package.json", "package-lock.json", "vite.config.js", "console", "wallet", "src"]
    files = sorted(str(p.relative_to(root).as_posix()) for s in sources
                   for p in ([root / s] if (root / s).is_file() else (root / s).rglob("*")) if p.is_file())
    digest = hashlib.sha256()
    for name in files:
        digest.update(f"{name}\0".encode())
        digest.update((root / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_the_committed_bundles_are_built_from_the_sources_as_they_are() -> None:
    consoles = ROOT / "consoles"
    recorded = (consoles / "dist" / "sources.sha256").read_text().strip()
    assert recorded == sources_hash(consoles), "consoles/dist is stale: run make consoles and commit consoles/dist"
    for app in ("console", "wallet"):
        page = (consoles / "dist" / app / "index.html").read_text()
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets and all(a.startswith("./assets/") for a in assets), assets  # bundled, nothing from a CDN
        assert all((consoles / "dist" / app / a).is_file() for a in assets)
