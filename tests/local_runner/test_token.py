"""`make -s token SUB=... SCOPE=...` (python -m local.token): a token the local authorizer accepts, and nothing else
on stdout, so that SVC=$(make -s token ...) works."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from local.http_api import DEFAULT_JWT_SECRET, verify_token
from local.token import mint
from tests.support.aws import ROOT


def test_the_printed_token_is_accepted_by_the_local_authorizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOYALTY_LOCAL_JWT_SECRET", raising=False)
    printed = subprocess.run([sys.executable, "-m", "local.token", "--sub", "checkout", "--scope", "loyalty/service"],
                             cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": ""}).stdout
    token = printed.removesuffix("\n")
    assert "\n" not in token and token.count(".") == 2  # one JWT, one line
    claims = verify_token(f"Bearer {token}")
    assert claims is not None
    assert (claims["sub"], claims["scope"]) == ("checkout", "loyalty/service")
    assert 3590 <= claims["exp"] - time.time() <= 3600  # an hour


def test_the_default_secret_is_the_documented_one() -> None:
    assert DEFAULT_JWT_SECRET == "local-dev-secret"


def test_the_token_is_signed_with_the_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_LOCAL_JWT_SECRET", "another-secret")
    token = mint("m-1")
    assert verify_token(f"Bearer {token}") == {"sub": "m-1", "iat": pytest.approx(time.time(), abs=60),
                                                "exp": pytest.approx(time.time() + 3600, abs=60)}
    monkeypatch.delenv("LOYALTY_LOCAL_JWT_SECRET")
    assert verify_token(f"Bearer {token}") is None  # not under the default secret
