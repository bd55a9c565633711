"""After `sam deploy`: upload consoles/dist to the stack's ConsolesBucket with the config.json each console reads
(the API's URL and Cognito's hosted UI), then invalidate the files a new build replaces under the same name.

`python -m scripts.deploy_consoles --stack loyalty-dev --region us-east-1`. Sign-in comes from the stack's outputs
(its own user pool: HostedUiUrl, ConsoleClientId, WalletClientId, JwtIssuerUrl); with an issuer of your own, from
JWT_ISSUER, COGNITO_DOMAIN (https://<prefix>.auth.<region>.amazoncognito.com), CONSOLE_CLIENT_ID (default: the first
of JWT_AUDIENCE) and WALLET_CLIENT_ID (default: CONSOLE_CLIENT_ID). A variable given wins over the output."""
from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

DIST = Path(__file__).resolve().parents[1] / "consoles" / "dist"
SCOPES = {"console": "openid loyalty/admin", "wallet": "openid"}  # the admin scope: the Cognito resource server's
FRESH = ("index.html", "config.json")  # the names a new build or deploy replaces; assets are content-hashed


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@dataclass(frozen=True)
class SignIn:
    issuer: str
    domain: str
    console_client_id: str
    wallet_client_id: str


def sign_in(env: Mapping[str, str], outputs: Mapping[str, str]) -> SignIn | None:
    """The hosted UI and each console's app client: the variables given, else the stack's own pool (its outputs);
    None when there is no hosted UI to name."""
    audience = [a.strip() for a in env.get("JWT_AUDIENCE", "").split(",") if a.strip()]
    issuer = env.get("JWT_ISSUER") or outputs.get("JwtIssuerUrl", "")
    domain = env.get("COGNITO_DOMAIN") or outputs.get("HostedUiUrl", "")
    console = env.get("CONSOLE_CLIENT_ID") or outputs.get("ConsoleClientId") or (audience[0] if audience else "")
    wallet = env.get("WALLET_CLIENT_ID") or outputs.get("WalletClientId") or console
    if not (domain.startswith("https://") and issuer and console):
        return None
    return SignIn(issuer, domain, console, wallet)


def configs(api_url: str, issuer: str, client_id: str, domain: str,
            wallet_client_id: str | None = None) -> dict[str, dict[str, str]]:
    """Each console's config.json (the same keys as the local run's, local/consoles.py); the wallet has a client of
    its own when the stack made the pool (one without the admin scope), else the console's."""
    domain = domain.rstrip("/")
    clients = {"console": client_id, "wallet": wallet_client_id or client_id}
    return {app: {"api_url": api_url.rstrip("/"), "issuer": issuer, "client_id": clients[app], "domain": domain,
                  "scopes": scopes, "logout_url": f"{domain}/logout"} for app, scopes in SCOPES.items()}


def upload(s3: Any, bucket: str, dist: Path, config: dict[str, dict[str, str]]) -> list[str]:
    """Every file of each console's bundle, then its config.json: the keys written."""
    written = []
    for app in SCOPES:
        for path in sorted(p for p in (dist / app).rglob("*") if p.is_file()):
            key = f"{app}/{path.relative_to(dist / app).as_posix()}"
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            cache = "no-cache" if path.name in FRESH else "public, max-age=31536000, immutable"
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
            written.append(key)
        key = f"{app}/config.json"
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(config[app]).encode(), ContentType="application/json",
                      CacheControl="no-cache")
        written.append(key)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy_consoles", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    found = sign_in(os.environ, outputs)
    if found is None:
        print("consoles not uploaded: with JWT_ISSUER of your own, set COGNITO_DOMAIN to its hosted UI (https://"
              "<prefix>.auth.<region>.amazoncognito.com) and CONSOLE_CLIENT_ID, and deploy again", file=sys.stderr)
        return 0
    config = configs(outputs["ApiUrl"], found.issuer, found.console_client_id, found.domain, found.wallet_client_id)
    written = upload(session.client("s3"), outputs["ConsolesBucketName"], DIST, config)
    paths = [f"/{app}/{name}" for app in SCOPES for name in FRESH] + [f"/{app}/" for app in SCOPES]
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsolesDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": str(time.time_ns())})
    print(f"consoles: {len(written)} files in {outputs['ConsolesBucketName']}; {outputs['ConsolesUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
