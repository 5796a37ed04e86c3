"""Cognito: e-mail sign-in, self sign-up, a strong password policy, `custom:user_id` that clients
may read but never write, the `admin` group, and an app client fit for the RainMaker CLI."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from nodeshare.routes import USER_TRIGGER
from nodeshare.user_pool import OPERATOR_GROUP, USER_ID_ATTRIBUTE

from infra.identity import Identity
from tests.infra.cfn import Grant, get_att, grants_of_function, only_resource, ref, resources_of_type

CUSTOM_USER_ID = f"custom:{USER_ID_ATTRIBUTE}"


def _pool(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    pool_id, pool = only_resource(template, "AWS::Cognito::UserPool")
    return pool_id, pool["Properties"]


def _client(template: dict[str, Any]) -> dict[str, Any]:
    pool_id, _ = _pool(template)
    _, client = only_resource(template, "AWS::Cognito::UserPoolClient")
    assert ref(client["Properties"]["UserPoolId"]) == pool_id
    return client["Properties"]


def test_user_pool_signs_in_by_email_and_allows_self_sign_up(template: dict[str, Any]) -> None:
    """The user name is the e-mail address, and anyone may sign up (no admin-only creation)."""
    _, pool = _pool(template)

    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "email" in pool["AutoVerifiedAttributes"]


def test_a_changed_email_takes_effect_only_once_verified(template: dict[str, Any]) -> None:
    """E-mail is an identity here: Cognito keeps the original address until the new one is
    verified (issue 11)."""
    _, pool = _pool(template)

    assert pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]


def test_user_pool_enforces_a_strong_password_policy(template: dict[str, Any]) -> None:
    """Passwords: at least 8 characters with upper and lower case letters, digits and symbols."""
    _, pool = _pool(template)
    policy = pool["Policies"]["PasswordPolicy"]

    assert policy["MinimumLength"] >= 8
    assert policy["RequireUppercase"] is True
    assert policy["RequireLowercase"] is True
    assert policy["RequireNumbers"] is True
    assert policy["RequireSymbols"] is True


def test_user_pool_defines_the_custom_user_id_attribute(template: dict[str, Any]) -> None:
    """The schema declares the string attribute `user_id` (`custom:user_id` in tokens)."""
    _, pool = _pool(template)
    schema = {attribute["Name"]: attribute for attribute in pool["Schema"]}

    assert USER_ID_ATTRIBUTE in schema
    assert schema[USER_ID_ATTRIBUTE]["AttributeDataType"] == "String"


def test_admin_group_exists_in_the_pool(template: dict[str, Any]) -> None:
    """Operators are the members of a group named `admin` in this user pool."""
    pool_id, _ = _pool(template)
    _, group = only_resource(template, "AWS::Cognito::UserPoolGroup")

    assert group["Properties"]["GroupName"] == OPERATOR_GROUP == "admin"
    assert ref(group["Properties"]["UserPoolId"]) == pool_id


def test_app_client_allows_password_srp_and_refresh_flows_without_secret(template: dict[str, Any]) -> None:
    """The public app client (a CLI cannot keep a secret) signs in with a password or SRP and
    refreshes tokens; nothing else."""
    client = _client(template)

    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client.get("GenerateSecret", False) is False


def test_app_client_reads_but_cannot_write_custom_user_id(template: dict[str, Any]) -> None:
    """Clients may read `custom:user_id` (it identifies the user in tokens) but cannot write it:
    only the sign-up function sets it, with an admin call. An absent WriteAttributes list would mean
    'all writable', so it must be present."""
    client = _client(template)

    assert CUSTOM_USER_ID in client["ReadAttributes"]
    assert "WriteAttributes" in client
    assert CUSTOM_USER_ID not in client["WriteAttributes"]
    assert not any(attribute.startswith("custom:") for attribute in client["WriteAttributes"])


def test_the_user_trigger_records_every_confirmed_and_signed_in_account(template: dict[str, Any]) -> None:
    """Issue 11: one function is the pool's PostConfirmation and PreTokenGeneration trigger; it runs
    `functions/users/record_user.py`, may write the users table (and the copies of an address) and
    set `custom:user_id` on this pool only, and is not told the pool in its environment (that would
    be a circular dependency)."""
    pool_id, pool = _pool(template)
    config = pool["LambdaConfig"]
    function_ids = {get_att(config["PostConfirmation"]), get_att(config["PreTokenGeneration"])}
    assert len(function_ids) == 1
    [(function_id, attribute)] = function_ids
    assert attribute == "Arn"
    function = template["Resources"][function_id]["Properties"]
    assert function["Handler"] == USER_TRIGGER.handler.replace(".", "/") + ".handler"
    environment = function["Environment"]["Variables"]
    assert "USER_POOL_ID" not in environment and "USERS_TABLE" in environment
    grants = grants_of_function(template, function_id)
    cognito = {grant for grant in grants if grant.action.startswith("cognito-idp:")}
    assert cognito == {Grant(action, "user_pool") for action in USER_TRIGGER.cognito}
    assert Grant("dynamodb:PutItem", "table:users") in grants
    tracing = {grant for grant in grants if grant.action.startswith("xray:")}  # active tracing
    assert {grant.target for grant in tracing} == {'other:"*"'}
    # the users table, and the tables holding copies of a user's address, which a verified change
    # of address rewrites (`domain.users.follow_verified_address`)
    tables = {f"{kind}:{name}" for name in USER_TRIGGER.writes for kind in ("table", "index")}
    assert not {grant.target for grant in grants - tracing} - {*tables, "user_pool", "logs"}
    for name in USER_TRIGGER.writes:
        assert Grant("dynamodb:UpdateItem", f"table:{name}") in grants, name
    # Cognito may invoke it, for each trigger of this pool
    permissions = [
        resource["Properties"]
        for resource in resources_of_type(template, "AWS::Lambda::Permission").values()
        if get_att(resource["Properties"]["FunctionName"]) == (function_id, "Arn")
    ]
    assert len(permissions) == 2
    assert all(p["Principal"] == "cognito-idp.amazonaws.com" for p in permissions)
    assert all(get_att(p["SourceArn"]) == (pool_id, "Arn") for p in permissions)


def test_mfa_is_off(template: dict[str, Any]) -> None:
    """The CLI cannot answer an MFA challenge: nobody may enrol a factor that would lock them out."""
    _, pool = _pool(template)
    assert pool.get("MfaConfiguration", "OFF") == "OFF"
    assert "EnabledMfas" not in pool


def test_app_client_may_write_only_the_email(template: dict[str, Any]) -> None:
    """Of the attributes, the public client may change only `email` (held back until verified)."""
    assert _client(template)["WriteAttributes"] == ["email"]


def test_the_pool_mails_through_cognito_unless_an_ses_identity_is_given(template: dict[str, Any]) -> None:
    _, pool = _pool(template)
    assert (
        pool.get("EmailConfiguration", {}).get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT"
    )


def test_an_ses_identity_from_the_context_is_the_pools_sender() -> None:
    """`ses_from_email` (and `ses_region`) in cdk.json's context: the pool sends through SES."""
    app = cdk.App(context={"ses_from_email": "no-reply@example.test", "ses_region": "eu-west-1"})
    stack = cdk.Stack(app, "IdentityOnly", env=cdk.Environment(account="123456789012", region="us-east-1"))
    Identity(stack, "Identity")
    pool = next(
        resource["Properties"]
        for resource in app.synth().get_stack_by_name("IdentityOnly").template["Resources"].values()
        if resource["Type"] == "AWS::Cognito::UserPool"
    )
    email = pool["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == "no-reply@example.test"
    assert email["SourceArn"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":ses:eu-west-1:123456789012:identity/no-reply@example.test"],
        ]
    }
