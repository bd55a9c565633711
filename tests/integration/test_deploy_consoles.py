"""make deploy's upload of the consoles (scripts/deploy_consoles.py) into a moto bucket: every file of both bundles
with its content type and caching, and each console's config.json naming the API and the hosted UI."""
from __future__ import annotations

import json

import boto3
import pytest
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


POOL_OUTPUTS = {"ApiUrl": "https://api.example/", "JwtIssuerUrl": "https://cognito-idp.us-east-1.amazonaws.com/p1",
                "HostedUiUrl": "https://loyalty-dev-1.auth.us-east-1.amazoncognito.com",
                "ConsoleClientId": "console-client", "WalletClientId": "wallet-client"}


def test_with_nothing_given_sign_in_is_the_stacks_own_pool() -> None:
    assert deploy_consoles.sign_in({}, POOL_OUTPUTS) == deploy_consoles.SignIn(
        "https://cognito-idp.us-east-1.amazonaws.com/p1", "https://loyalty-dev-1.auth.us-east-1.amazoncognito.com",
        "console-client", "wallet-client")


def test_an_issuer_of_your_own_is_named_by_the_variables() -> None:
    env = {"JWT_ISSUER": "https://idp.example", "JWT_AUDIENCE": " mine , other", "COGNITO_DOMAIN": "https://login.example"}
    outputs = {"ApiUrl": "https://api.example/", "JwtIssuerUrl": "https://idp.example"}  # no pool: no pool outputs
    assert deploy_consoles.sign_in(env, outputs) == deploy_consoles.SignIn(
        "https://idp.example", "https://login.example", "mine", "mine")
    assert deploy_consoles.sign_in({**env, "WALLET_CLIENT_ID": "w"}, outputs).wallet_client_id == "w"  # type: ignore[union-attr]
    assert deploy_consoles.sign_in({k: v for k, v in env.items() if k != "COGNITO_DOMAIN"}, outputs) is None
    assert deploy_consoles.sign_in({"CONSOLE_CLIENT_ID": "c"}, POOL_OUTPUTS).console_client_id == "c"  # type: ignore[union-attr]


@mock_aws
def test_make_deploy_uploads_the_consoles_with_each_ones_client_from_the_stack(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    session = boto3.session.Session(region_name="us-east-1")
    session.client("s3").create_bucket(Bucket="consoles")
    distribution = session.client("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": "c", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "consoles.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})["Distribution"]
    outputs = {**POOL_OUTPUTS, "ConsolesBucketName": "consoles", "ConsolesDistributionId": distribution["Id"],
               "ConsolesUrl": "https://d.cloudfront.net/console/"}
    monkeypatch.setattr(deploy_consoles, "stack_outputs", lambda cloudformation, stack: outputs)
    for name in ("JWT_ISSUER", "JWT_AUDIENCE", "COGNITO_DOMAIN", "CONSOLE_CLIENT_ID", "WALLET_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)

    assert deploy_consoles.main(["--stack", "loyalty-dev", "--region", "us-east-1"]) == 0

    def config(app: str) -> dict[str, str]:
        body = session.client("s3").get_object(Bucket="consoles", Key=f"{app}/config.json")["Body"].read()
        return json.loads(body)  # type: ignore[no-any-return]

    assert (config("console")["client_id"], config("console")["scopes"]) == ("console-client", "openid loyalty/admin")
    assert (config("wallet")["client_id"], config("wallet")["scopes"]) == ("wallet-client", "openid")
    assert config("wallet")["domain"] == POOL_OUTPUTS["HostedUiUrl"]
    assert config("console")["issuer"] == POOL_OUTPUTS["JwtIssuerUrl"]
    invalidations = session.client("cloudfront").list_invalidations(DistributionId=distribution["Id"])
    assert invalidations["InvalidationList"]["Quantity"] == 1
    assert "consoles: " in capsys.readouterr().out


def test_without_a_hosted_ui_nothing_is_uploaded(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(deploy_consoles, "stack_outputs", lambda cloudformation, stack: {"ApiUrl": "https://a/"})
    monkeypatch.setattr(boto3.session, "Session", lambda region_name: _NoAws())
    for name in ("JWT_ISSUER", "JWT_AUDIENCE", "COGNITO_DOMAIN", "CONSOLE_CLIENT_ID", "WALLET_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert deploy_consoles.main(["--stack", "s", "--region", "us-east-1"]) == 0
    assert "consoles not uploaded" in capsys.readouterr().err


class _NoAws:
    def client(self, name: str) -> object:
        if name != "cloudformation":
            raise AssertionError(f"{name} called without a hosted UI")
        return object()
