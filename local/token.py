"""`python -m local.token --sub checkout --scope loyalty/service`: print a bearer token the local run accepts
(HS256, signed with LOYALTY_LOCAL_JWT_SECRET or the documented default, valid for an hour). `make -s token` runs it."""

from __future__ import annotations

import argparse
import sys
import time

import jwt

from .http_api import jwt_secret

TTL_SECONDS = 3600


def mint(sub: str, scope: str = "", ttl_seconds: int = TTL_SECONDS) -> str:
    now = int(time.time())
    claims: dict[str, str | int] = {"sub": sub, "iat": now, "exp": now + ttl_seconds}
    if scope:
        claims["scope"] = scope  # space separated, as the authorizer reads it
    return jwt.encode(claims, jwt_secret(), algorithm="HS256")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__)
    parser.add_argument("--sub", required=True, help="the token's subject: a member id, or a client such as checkout")
    parser.add_argument("--scope", default="", help="space-separated scopes, e.g. loyalty/service or loyalty/admin")
    args = parser.parse_args(argv)
    if not args.sub:
        parser.error("--sub must not be empty (make token SUB=...)")
    print(mint(args.sub, args.scope))  # only the token: SVC=$(make -s token SUB=... SCOPE=...)
    return 0


if __name__ == "__main__":
    sys.exit(main())
