"""Cognito: e-mail sign-in, self sign-up, a strong password policy, `custom:user_id` that clients
may read but never write, the `admin` group, and an app client fit for the RainMaker CLI."""

from __future__ import annotations

from typing import Any

from nodeshare.user_pool import OPERATOR_GROUP, USER_ID_ATTRIBUTE

from tests.infra.cfn import only_resource, ref

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
