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

from tests.e2e.test_sharing import answer, received, sent, share
from tests.support.client import PASSWORD, Api, Caller, unique_email
from tests.support.local_stack import REPO_ROOT, RunningStack, wait_for

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
    env.update(AWS_ENDPOINT_URL=stack.emulator_endpoint, OPERATOR_PASSWORD=PASSWORD, **stack.credentials)
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


# The account commands ---------------------------------------------------------------------------


def mailed_code(stack: RunningStack, email: str, what: str) -> str:
    """The latest code the local stack "mailed" to `email` (it prints what Cognito would send)."""
    prefix = f"nodeshare local mail: to {email}: {what} "
    found: list[str] = []

    def printed() -> bool:
        found[:] = [line for line in stack.log_path.read_text().splitlines() if line.startswith(prefix)]
        return bool(found)

    assert wait_for(printed, 10), f"no {what} for {email} in {stack.log_path}"
    return found[-1].removeprefix(prefix).strip()


def test_a_forgotten_password_is_reset_with_the_mailed_code(api: Api, local_stack: RunningStack):
    alice = api.user("alice")
    step_one = {"user_name": alice.user_name, "password": None, "verification_code": None}  # as the CLI
    assert api.anonymous.put("/v1/forgotpassword2", json=step_one).status_code == 200
    code = mailed_code(local_stack, alice.user_name, "password reset code")
    new_password = "N3w-passw0rd!"
    wrong = {"user_name": alice.user_name, "password": new_password, "verification_code": "000000x"}
    assert api.anonymous.put("/v1/forgotpassword2", json=wrong).status_code == 400
    right = {"user_name": alice.user_name, "password": new_password, "verification_code": code}
    response = api.anonymous.put("/v1/forgotpassword2", json=right)
    assert response.status_code == 200, response.text
    assert api.log_in(alice.user_name, new_password).user_id == alice.user_id
    old = api.anonymous.post("/v1/login2", json={"user_name": alice.user_name, "password": PASSWORD})
    assert old.status_code == 401


def test_a_reset_for_an_unknown_address_answers_like_a_known_one(api: Api):
    known = api.user("known")
    answers = [
        api.anonymous.put("/v1/forgotpassword2", json={"user_name": name}).json()
        for name in (known.user_name, unique_email("nobody"))
    ]
    assert answers[0] == answers[1]


def test_deleting_an_account_releases_its_nodes_and_leaves_nothing_granting(
    api: Api, local_stack: RunningStack
):
    # Given alice, primary of a node bob shares; rwp on carol's node, which she re-shared to dave;
    # a request sent to erin, one received from carol; a group she owns, one of carol's she is in
    alice, bob, carol, dave, erin = (api.user(name) for name in ("alice", "bob", "carol", "dave", "erin"))
    hers = api.owned_node(alice)
    assert answer(bob, share(alice, [hers], bob.user_name)["request_id"], True).status_code == 200
    carols, other = api.owned_node(carol), api.owned_node(carol)
    rwp = share(carol, [carols], alice.user_name, primary=True)["request_id"]
    assert answer(alice, rwp, True).status_code == 200
    assert answer(dave, share(alice, [carols], dave.user_name)["request_id"], True).status_code == 200
    to_erin = share(alice, [hers], erin.user_name)["request_id"]
    from_carol = share(carol, [other], alice.user_name)["request_id"]
    alice.post("/v1/user/groups", json={"name": "Mine"})
    group_id = carol.post("/v1/user/groups", json={"name": "Carol's"}).json()["group_id"]
    assert (
        carol.put(f"/v1/user/groups/{group_id}/users", json={"users": [alice.user_name]}).status_code == 200
    )

    # When she asks to delete her account: with the ID token it is refused, a wrong code too
    id_caller = Caller(api.base_url, token=alice.id_token)
    assert id_caller.delete("/v1/user2?request=true").status_code == 400
    assert alice.delete("/v1/user2?request=true").status_code == 200
    code = mailed_code(local_stack, alice.user_name, "verification code")
    assert alice.delete("/v1/user2?verification_code=000000").status_code == 400
    assert hers in bob.get("/v1/user/nodes").json()["nodes"]
    # And with the mailed code
    response = alice.delete(f"/v1/user2?verification_code={code}")
    assert response.status_code == 200, response.text

    # Then her node is released at once: bob has lost it, nobody owns it
    assert hers not in bob.get("/v1/user/nodes").json()["nodes"]
    assert api.claim(erin, hers).status_code == 204
    # And what she re-shared as rwp stops with her; carol's node lists her no more
    assert carols not in dave.get("/v1/user/nodes").json()["nodes"]
    sharing = carol.get(f"/v1/user/nodes/sharing?node_id={carols}").json()["node_sharing"][0]["users"]
    assert alice.user_name not in sharing.get("secondary", [])
    # And her requests are withdrawn, her groups gone or left
    assert to_erin not in [r["request_id"] for r in received(erin)]
    assert from_carol not in [r["request_id"] for r in sent(carol)]
    members = carol.get(f"/v1/user/groups/{group_id}/users").json()
    assert alice.user_name not in str(members)
    # And the account is gone: no sign-in, no refresh, no row
    gone = api.anonymous.post("/v1/login2", json={"user_name": alice.user_name, "password": PASSWORD})
    assert gone.status_code == 401
    assert api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token}).status_code == 401
    assert local_stack.partition("nodeshare-users", "user_id", alice.user_id or "") == []


def test_deleting_an_account_declines_the_requests_it_received(api: Api, local_stack: RunningStack):
    """Issue 11, left last session: deletion declined received share requests only; a permission
    request it was asked to approve and a group share request sent to it stayed pending."""
    from tests.e2e.test_node_group_sharing import looked_up as group_request
    from tests.e2e.test_node_group_sharing import share as share_groups
    from tests.e2e.test_node_groups import create_group
    from tests.e2e.test_permission_requests import ask

    alice, bob, carol = (api.user(name) for name in ("alice", "bob", "carol"))
    asked = ask(bob, [api.owned_node(alice)], "r")[0]  # alice is to approve it
    offered = share_groups(carol, [create_group(carol, [api.owned_node(carol)])], alice.user_name or "")
    assert alice.delete("/v1/user2?request=true").status_code == 200
    code = mailed_code(local_stack, alice.user_name, "verification code")
    assert alice.delete(f"/v1/user2?verification_code={code}").status_code == 200
    assert group_request(carol, offered)["request_status"] == "declined"
    # the permission request is declined, or already gone with the release of alice's node (one
    # read: the stream may delete it at any moment)
    response = bob.get(f"/v1/user/permission_requests?request_id={asked}")
    assert (
        response.status_code == 404
        or response.json()["permission_requests"][0]["request_status"] == "declined"
    )


# A verified e-mail change, and a deleted account's tokens (issue 11) ----------------------------


def test_a_verified_email_change_is_how_every_view_names_her_from_her_next_token(
    api: Api, local_stack: RunningStack
):
    from tests.e2e.test_sharing import sharing_users

    # Given alice shares a node with bob, has a request out to carol, one in from bob, and is in
    # carol's user group
    alice, bob, carol, dave = (api.user(name) for name in ("alice", "bob", "carol", "dave"))
    old, new = alice.user_name or "", unique_email("alice-new")
    hers = api.owned_node(alice)
    assert answer(bob, share(alice, [hers], bob.user_name)["request_id"], True).status_code == 200
    to_carol = share(alice, [api.owned_node(alice)], carol.user_name)["request_id"]
    from_bob = share(bob, [api.owned_node(bob)], old)["request_id"]
    group_id = carol.post("/v1/user/groups", json={"name": "Carol's"}).json()["group_id"]
    assert carol.put(f"/v1/user/groups/{group_id}/users", json={"users": [old]}).status_code == 200

    # When she changes her e-mail through Cognito: nothing changes until she verifies it
    cognito = local_stack.aws("cognito-idp")
    cognito.update_user_attributes(AccessToken=alice.token, UserAttributes=[{"Name": "email", "Value": new}])
    unverified = api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token}).json()
    assert Caller(api.base_url, token=unverified["accesstoken"]).get("/v1/user").json()["user_name"] == old
    # …then verifies it with the code mailed to the new address, and her tokens are refreshed
    code = mailed_code(local_stack, new, "verification code")
    cognito.verify_user_attribute(AccessToken=alice.token, AttributeName="email", Code=code)
    refreshed = api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
    alice = Caller(api.base_url, token=refreshed.json()["accesstoken"])

    # Then every view names her by the new address
    assert alice.get("/v1/user").json()["user_name"] == new
    assert sharing_users(bob, hers)["primary"] == [new]
    assert sharing_users(alice, hers)["primary"] == [new]
    [to_her] = [r for r in sent(bob) if r["request_id"] == from_bob]
    assert to_her["user_name"] == new
    [from_her] = [r for r in received(carol) if r["request_id"] == to_carol]
    assert from_her["primary_user_name"] == new
    [hers_in] = [r for r in received(alice) if r["request_id"] == from_bob]
    assert hers_in["user_name"] == new
    [hers_out] = [r for r in sent(alice) if r["request_id"] == to_carol]
    assert hers_out["primary_user_name"] == new
    members = str(carol.get(f"/v1/user/groups/{group_id}/users").json())
    assert new in members and old not in members
    # And sharing with the new address reaches her, with the old one nobody
    to_new = share(dave, [api.owned_node(dave)], new)["request_id"]
    to_old = share(dave, [api.owned_node(dave)], old)["request_id"]
    assert {to_new, to_old} & {r["request_id"] for r in received(alice)} == {to_new}
    assert answer(alice, to_new, True).status_code == 200
    # And she signs in with the new address, not the old one
    assert api.log_in(new).get("/v1/user").json()["user_name"] == new
    assert api.anonymous.post("/v1/login2", json={"user_name": old, "password": PASSWORD}).status_code == 401


def test_a_deleted_accounts_access_token_can_do_nothing(api: Api, local_stack: RunningStack):
    """The JWT authorizer accepts an access token until it expires; nodeshare refuses the token of
    an account that is gone, on a read and on a write."""
    alice = api.user("alice")
    assert alice.delete("/v1/user2?request=true").status_code == 200
    code = mailed_code(local_stack, alice.user_name, "verification code")
    assert alice.delete(f"/v1/user2?verification_code={code}").status_code == 200

    read = alice.get("/v1/user/nodes")
    write = alice.post("/v1/user/groups", json={"name": "Orphan"})

    for response in (read, write):
        assert response.status_code == 401, response.text
        assert response.json() == {"status": "failure", "description": "Unauthorized", "error_code": 107010}
