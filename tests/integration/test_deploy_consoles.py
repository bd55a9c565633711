"""make deploy's upload of the consoles (scripts/deploy_consoles.py) into a moto bucket: every file of both bundles
with its content type and caching, and each console's config.json naming the API and the hosted UI."""
from __future__ import annotations

import json

import boto3
from moto import mock_aws

from scripts import deploy_consoles


@mock_aws
def test_the_bundles_and_their_config_go_to_the_bucket() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="consoles")
    config = deploy_consoles.configs("https://api.example/", "https://cognito-idp.example/pool", "client-1",
                                     "https://loyalty.auth.us-east-1.amazoncognito.com/")
    written = deploy_consoles.upload(s3, "consoles", deploy_consoles.DIST, config)

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="consoles")["Contents"]}
    assert keys == set(written) >= {"console/index.html", "console/config.json", "wallet/index.html", "wallet/config.json"}
    assert any(k.startswith("console/assets/") and k.endswith(".js") for k in keys)
    index = s3.get_object(Bucket="consoles", Key="wallet/index.html")
    assert (index["ContentType"], index["CacheControl"]) == ("text/html", "no-cache")
    asset = next(k for k in keys if k.startswith("wallet/assets/") and k.endswith(".js"))
    assert s3.get_object(Bucket="consoles", Key=asset)["CacheControl"] == "public, max-age=31536000, immutable"
    wallet = json.loads(s3.get_object(Bucket="consoles", Key="wallet/config.json")["Body"].read())
    assert wallet == {"api_url": "https://api.example", "issuer": "https://cognito-idp.example/pool",
                      "client_id": "client-1", "domain": "https://loyalty.auth.us-east-1.amazoncognito.com",
                      "scopes": "openid", "logout_url": "https://loyalty.auth.us-east-1.amazoncognito.com/logout"}
    assert config["console"]["scopes"] == "openid loyalty/admin"
