"""Accounts end to end (issue 11): every path that makes an account ends in the same record, and
the account commands (password reset, deletion) on the local stack over HTTP.

The same record: a users row naming the account's address, and `custom:user_id` = `sub`; then
logging out, being shared with and accepting work. Paths: nodeshare's sign-up, Cognito's own
`SignUp` + `ConfirmSignUp` called directly (recorded at its first sign-in: see
`nodeshare.local.cognito_triggers`), an administrator's `AdminCreateUser` (the README's former
steps: no verified address), and `make operator` (`nodeshare.operator`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.e2e.test_sharing import answer, received, share
from tests.support.client import PASSWORD, Api, Caller, unique_email
from tests.support.local_stack import REPO_ROOT, RunningStack

CUSTOM_USER_ID = "custom:user_id"


def nodeshare_sign_up(api: Api, stack: RunningStack, email: str) -> None:
    response = api.anonymous.post("/v1/user", json={"user_name": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def cognito_sign_up(api: Api, stack: RunningStack, email: str) -> None:
    """Cognito's public SignUp with the app client, then its ConfirmSignUp, bypassing nodeshare."""
    cognito = stack.aws("cognito-idp")
    client_id = _client_id(stack)
    cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="123456")


def admin_created(api: Api, stack: RunningStack, email: str) -> None:
    """An administrator's account, made as the README used to say: no verified address."""
    cognito, pool_id = stack.aws("cognito-idp"), _pool_id(stack)
    cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)


def operator_command(api: Api, stack: RunningStack, email: str) -> None:
    run_operator_command(stack, email)


def run_operator_command(stack: RunningStack, email: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=stack.emulator_endpoint, OPERATOR_PASSWORD=PASSWORD)
    result = subprocess.run(
        [sys.executable, "-m", "nodeshare.operator", email],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _pool_id(stack: RunningStack) -> str:
    [pool] = [p for p in stack.aws("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]]
    return str(pool["Id"])


def _client_id(stack: RunningStack) -> str:
    clients = stack.aws("cognito-idp").list_user_pool_clients(UserPoolId=_pool_id(stack), MaxResults=60)
    return str(clients["UserPoolClients"][0]["ClientId"])


def record_of(stack: RunningStack, email: str) -> tuple[dict[str, str], list[dict]]:
    """The account's Cognito attributes and its users rows (by address)."""
    user = stack.aws("cognito-idp").admin_get_user(UserPoolId=_pool_id(stack), Username=email)
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    rows = stack.partition("nodeshare-users", "user_id", attributes["sub"])
    return attributes, rows


@pytest.mark.parametrize(
    "make_account",
    [nodeshare_sign_up, cognito_sign_up, admin_created, operator_command],
    ids=["nodeshare-sign-up", "cognito-sign-up", "admin-create-user", "make-operator"],
)
def test_every_way_of_making_an_account_ends_in_the_same_record(
    api: Api, local_stack: RunningStack, make_account: Callable[[Api, RunningStack, str], None]
):
    # Given an account made one way, signed in through nodeshare
    email = unique_email("made")
    make_account(api, local_stack, email)
    user = api.log_in(email)
    # Then it has the complete record: custom:user_id is its sub, and a users row with its address
    attributes, rows = record_of(local_stack, email)
    assert attributes[CUSTOM_USER_ID] == attributes["sub"] == user.user_id
    assert [(row["user_name"]["S"]) for row in rows] == [email]
    assert user.get("/v1/user").json()["user_name"] == email
    # And a node can be shared with it by address and accepted
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    request_id = share(owner, [node_id], email)["request_id"]
    assert [r["request_id"] for r in received(user)] == [request_id]
    assert answer(user, request_id, True).status_code == 200
    assert node_id in user.get("/v1/user/nodes").json()["nodes"]
    # And logging out revokes its refresh token (no 500 for an account made outside nodeshare)
    assert user.post("/v1/logout2").status_code == 200
    refreshed = api.anonymous.post("/v1/login2", json={"refreshtoken": user.refresh_token})
    assert refreshed.status_code == 401, refreshed.text


def test_the_operator_command_makes_an_operator_and_running_it_again_keeps_the_record(
    api: Api, local_stack: RunningStack
):
    email = unique_email("ops")
    printed = run_operator_command(local_stack, email)
    operator = api.log_in(email)
    assert operator.get("/v1/user").json()["super_admin"] is True
    assert operator.user_id in printed
    # Given the operator is in a user group (on its users row), running the command again
    owner = api.user("owner")
    group_id = owner.post("/v1/user/groups", json={"name": "Ops"}).json()["group_id"]
    assert owner.put(f"/v1/user/groups/{group_id}/users", json={"users": [email]}).status_code == 200
    before = record_of(local_stack, email)[1]
    assert before[0]["group_ids"] == {"SS": [group_id]}
    run_operator_command(local_stack, email)
    # Then the row is kept as it was (its groups included), not written over
    assert record_of(local_stack, email)[1] == before
    assert api.log_in(email).get("/v1/user").json()["super_admin"] is True


def test_a_refresh_after_an_email_change_signs_in_and_logout_still_revokes(
    api: Api, local_stack: RunningStack
):
    """Found in issue 11: after a user changed her e-mail through Cognito, a refresh-token login
    answered 500 on the local stack (moto tied tokens to the old address)."""
    alice = api.user("alice")
    local_stack.aws("cognito-idp").update_user_attributes(
        AccessToken=alice.token, UserAttributes=[{"Name": "email", "Value": unique_email("changed")}]
    )
    refreshed = api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["accesstoken"]
    assert Caller(api.base_url, token=token).get("/v1/user").json()["user_name"] == alice.user_name
    assert alice.post("/v1/logout2").status_code == 200
    again = api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token})
    assert again.status_code == 401, again.text


@pytest.mark.parametrize(
    "body",
    [
        {"user_name": "", "password": PASSWORD},
        {"user_name": "x" * 200 + "@nodeshare.test", "password": PASSWORD},
        {"user_name": unique_email(), "password": ""},
        {"refreshtoken": ""},
    ],
    ids=["empty-name", "long-name", "empty-password", "empty-refresh-token"],
)
def test_what_cognito_would_not_even_be_sent_is_a_400_not_a_500(api: Api, body: dict):
    """botocore refuses to send these (its own validation); that is the caller's error, a 400."""
    response = api.anonymous.post("/v1/login2", json=body)
    assert response.status_code in (400, 401), response.text
    assert response.json()["status"] == "failure"


def test_an_admin_created_account_with_a_temporary_password_is_told_why_it_cannot_sign_in(
    api: Api, local_stack: RunningStack
):
    """Not locked out silently: the refusal names the challenge Cognito asked for."""
    email = unique_email("temporary")
    local_stack.aws("cognito-idp").admin_create_user(
        UserPoolId=_pool_id(local_stack), Username=email, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    response = api.anonymous.post("/v1/login2", json={"user_name": email, "password": PASSWORD})
    assert response.status_code == 401
    assert "NEW_PASSWORD_REQUIRED" in response.json()["description"]
