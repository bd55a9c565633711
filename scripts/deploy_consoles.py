"""After `sam deploy`: upload consoles/dist to the stack's ConsolesBucket with the config.json each console reads
(the API's URL and Cognito's hosted UI), then invalidate the files a new build replaces under the same name.

`python -m scripts.deploy_consoles --stack loyalty-dev --region us-east-1` with JWT_ISSUER, COGNITO_DOMAIN
(https://<prefix>.auth.<region>.amazoncognito.com) and CONSOLE_CLIENT_ID (default: the first of JWT_AUDIENCE)."""
from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3

DIST = Path(__file__).resolve().parents[1] / "consoles" / "dist"
SCOPES = {"console": "openid loyalty/admin", "wallet": "openid"}  # the admin scope: the Cognito resource server's
FRESH = ("index.html", "config.json")  # the names a new build or deploy replaces; assets are content-hashed


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def configs(api_url: str, issuer: str, client_id: str, domain: str) -> dict[str, dict[str, str]]:
    """Each console's config.json (the same keys as the local run's, local/consoles.py)."""
    domain = domain.rstrip("/")
    return {app: {"api_url": api_url.rstrip("/"), "issuer": issuer, "client_id": client_id, "domain": domain,
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
    domain = os.environ.get("COGNITO_DOMAIN", "")
    if not domain.startswith("https://"):
        print("consoles not uploaded: set COGNITO_DOMAIN to the hosted UI (https://<prefix>.auth.<region>."
              "amazoncognito.com) and deploy again", file=sys.stderr)
        return 0
    client_id = os.environ.get("CONSOLE_CLIENT_ID") or os.environ["JWT_AUDIENCE"].split(",")[0].strip()
    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    config = configs(outputs["ApiUrl"], os.environ["JWT_ISSUER"], client_id, domain)
    written = upload(session.client("s3"), outputs["ConsolesBucketName"], DIST, config)
    paths = [f"/{app}/{name}" for app in SCOPES for name in FRESH] + [f"/{app}/" for app in SCOPES]
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsolesDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": str(time.time_ns())})
    print(f"consoles: {len(written)} files in {outputs['ConsolesBucketName']}; {outputs['ConsolesUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
