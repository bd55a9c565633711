"""Sign-in when deployed (template.yaml's Cognito block): the JWT authorizer trusts the stack's own user pool and
its two console clients unless JwtIssuer names another issuer; only the console's client may carry loyalty/admin,
and the token trigger keeps it for the operators group only; the local run reads none of it."""
from __future__ import annotations

from typing import Any

import pytest

from local.template import Template
from loyalty.api.auth import ADMIN_SCOPE, SERVICE_SCOPE
from tests.support.aws import TEMPLATE

COGNITO = {"UserPool", "OperatorsGroup", "UserPoolDomain", "LoyaltyResourceServer", "ConsoleClient", "WalletClient",
           "TokenScopesFunction", "TokenScopesFunctionRole", "TokenScopesFunctionPermission",
           "TokenScopesFunctionLogGroup", "TokenScopesFunctionErrorsAlarm"}


def jwt_configuration() -> dict[str, Any]:
    api = TEMPLATE.properties("LoyaltyHttpApi")["Auth"]
    assert api["DefaultAuthorizer"] == "LoyaltyJwt"
    config: dict[str, Any] = api["Authorizers"]["LoyaltyJwt"]["JwtConfiguration"]
    return config


def chosen(template: Template, node: Any) -> Any:
    """One !If of the template, as CloudFormation picks it with the template's parameters."""
    name, then, otherwise = node["Fn::If"]
    return then if template.condition(name) else otherwise


def test_without_an_issuer_the_authorizer_trusts_the_stacks_pool_and_both_console_clients() -> None:
    template = Template(TEMPLATE.path, overrides={})
    config = jwt_configuration()
    assert chosen(template, config["issuer"]) == {"Fn::Sub": "https://${UserPool.ProviderURL}"}
    assert chosen(template, config["audience"]) == [{"Ref": "ConsoleClient"}, {"Ref": "WalletClient"}]
    assert all(TEMPLATE.resources[lid].get("Condition") == "CreateUserPool" for lid in COGNITO)


def test_an_issuer_of_your_own_replaces_the_pool() -> None:
    issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
    template = Template(TEMPLATE.path, overrides={"JwtIssuer": issuer, "JwtAudience": "a,b"})
    assert not template.condition("CreateUserPool")
    config = jwt_configuration()
    assert template.resolve(chosen(template, config["issuer"])) == issuer
    assert template.resolve(chosen(template, config["audience"])) == ["a", "b"]
    rule = TEMPLATE.doc["Rules"]["AnIssuerOfYourOwnNeedsItsAudience"]  # no empty audience with an issuer
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Contains": [{"Ref": "JwtAudience"}, ""]}]}


def test_the_pool_creates_no_user_by_itself_and_asks_a_strong_password() -> None:
    pool = TEMPLATE.properties("UserPool")
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert pool["MfaConfiguration"] == "OPTIONAL"
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(policy[k] for k in policy if k.startswith("Require"))
    trigger = pool["LambdaConfig"]["PreTokenGenerationConfig"]
    assert (trigger["LambdaArn"], trigger["LambdaVersion"]) == ({"Fn::GetAtt": ["TokenScopesFunction", "Arn"]}, "V2_0")


def test_the_resource_server_defines_the_scopes_the_api_authorizes() -> None:
    server = TEMPLATE.properties("LoyaltyResourceServer")
    scopes = {f"{server['Identifier']}/{s['ScopeName']}" for s in server["Scopes"]}
    assert scopes == {ADMIN_SCOPE, SERVICE_SCOPE}


@pytest.mark.parametrize(("client", "console", "scopes"), [("ConsoleClient", "console", {"openid", ADMIN_SCOPE}),
                                                           ("WalletClient", "wallet", {"openid"})])
def test_each_console_has_a_public_code_with_pkce_client_of_its_own(client: str, console: str,
                                                                    scopes: set[str]) -> None:
    props = TEMPLATE.properties(client)
    assert props["GenerateSecret"] is False and props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["AllowedOAuthFlows"] == ["code"]
    assert set(props["AllowedOAuthScopes"]) == scopes
    url = {"Fn::Sub": f"https://${{ConsolesDistribution.DomainName}}/{console}/"}
    assert props["CallbackURLs"] == props["LogoutURLs"] == [url]


def token_scopes_handler() -> Any:
    code = TEMPLATE.properties("TokenScopesFunction")["Code"]["ZipFile"]
    namespace: dict[str, Any] = {}
    exec(compile(code, "TokenScopesFunction", "exec"), namespace)  # the inline code, as Lambda runs it
    return namespace["handler"]


def trigger_event(groups: list[str] | None) -> dict[str, Any]:
    """A V2_0 pre token generation event as Cognito sends it (the parts the trigger reads)."""
    return {"version": "2", "triggerSource": "TokenGeneration_Authentication", "userPoolId": "us-east-1_x",
            "request": {"userAttributes": {"sub": "m-1"}, "scopes": ["openid", ADMIN_SCOPE],
                        "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [],
                                               "preferredRole": None}},
            "response": {"claimsAndScopeOverrideDetails": None}}


@pytest.mark.parametrize("groups", [None, [], ["members"]])
def test_the_admin_scope_is_taken_out_of_anyone_elses_token(groups: list[str] | None) -> None:
    answer = token_scopes_handler()(trigger_event(groups), None)
    details = answer["response"]["claimsAndScopeOverrideDetails"]
    assert details == {"accessTokenGeneration": {"scopesToSuppress": [ADMIN_SCOPE]}}


def test_an_operator_keeps_the_admin_scope() -> None:
    group = TEMPLATE.properties("OperatorsGroup")["GroupName"]
    answer = token_scopes_handler()(trigger_event(["x", group]), None)
    assert answer["response"]["claimsAndScopeOverrideDetails"] is None


def test_the_local_run_reads_none_of_the_cognito_block() -> None:
    template = Template(TEMPLATE.path, overrides={})  # the pool's condition holds, as in the local run
    assert template.condition("CreateUserPool")
    # what the local run reads of the template resolves without the pool (its !GetAtt would be refused)
    assert template.cors() is not None and template.routes() and template.rules()
    assert not COGNITO & set(template.functions())  # the trigger is no function the local run starts
