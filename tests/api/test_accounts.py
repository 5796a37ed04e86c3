"""The user pool's trigger (`functions/users/record_user.py`) with Cognito's own events, under its
own grants, and the account routes' refusals, against moto (issue 11)."""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import boto3
import pytest
from nodeshare.local.gateway import LambdaContext
from nodeshare.local.permissions import acting_as
from nodeshare.model.entities import GroupMember
from nodeshare.model.errors import BadRequest
from nodeshare.routes import ROUTES_BY_OPERATION, USER_TRIGGER
from nodeshare.store import groups as group_store
from nodeshare.store import identity
from nodeshare.store import users as user_store

from tests.api.conftest import call
from tests.support.client import PASSWORD

EMAIL = "Alice@Example.test"


def cognito_account(aws: dict[str, str], email: str = EMAIL) -> dict[str, str]:
    """An account made through Cognito's own SignUp and AdminConfirmSignUp (no trigger ran)."""
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    cognito.sign_up(ClientId=aws["client_id"], Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=aws["user_pool_id"], Username=email)
    return attributes(aws, email)


def attributes(aws: dict[str, str], username: str) -> dict[str, str]:
    user = boto3.client("cognito-idp", region_name="us-east-1").admin_get_user(
        UserPoolId=aws["user_pool_id"], Username=username
    )
    return {item["Name"]: item["Value"] for item in user["UserAttributes"]} | {"_username": user["Username"]}


def trigger(aws: dict[str, str], source: str, account: dict[str, str]) -> dict[str, Any]:
    """Invoke the trigger with the event Cognito sends, under the trigger's grants."""
    event = {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": aws["user_pool_id"],
        "userName": account["_username"],
        "callerContext": {"clientId": aws["client_id"]},
        "request": {"userAttributes": {k: v for k, v in account.items() if not k.startswith("_")}},
        "response": {},
    }
    module = importlib.import_module(f"functions.{USER_TRIGGER.handler}")
    with acting_as(USER_TRIGGER):
        result: dict[str, Any] = module.handler(event, LambdaContext(function_name=USER_TRIGGER.operation))
    return result


def test_confirmation_records_the_account_once(aws: dict[str, str]):
    # Given an account confirmed without nodeshare
    account = cognito_account(aws)
    assert user_store.get(account["sub"]) is None
    # When the pool's PostConfirmation trigger runs
    trigger(aws, "PostConfirmation_ConfirmSignUp", account)
    # Then its row names its (normalized) address and custom:user_id is its sub
    assert user_store.get(account["sub"]).user_name == EMAIL.lower()
    assert attributes(aws, EMAIL)["custom:user_id"] == account["sub"]
    # And running again (Cognito retries a trigger) changes nothing
    trigger(aws, "PostConfirmation_ConfirmSignUp", account)
    assert user_store.find_by_name(EMAIL.lower()).user_id == account["sub"]


def test_a_sign_in_records_an_account_an_administrator_made_and_its_id_token_carries_the_id(aws):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    cognito.admin_create_user(UserPoolId=aws["user_pool_id"], Username=EMAIL, MessageAction="SUPPRESS")
    account = attributes(aws, EMAIL)

    answer = trigger(aws, "TokenGeneration_Authentication", account)

    assert answer["response"]["claimsOverrideDetails"] == {
        "claimsToAddOrOverride": {"custom:user_id": account["sub"]}
    }
    assert user_store.get(account["sub"]).user_name == EMAIL.lower()


def test_a_complete_record_costs_a_sign_in_one_read_and_no_write(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    """One read: the row, to compare its address with the verified one (`follow_verified_address`)."""
    account = cognito_account(aws)
    trigger(aws, "PostConfirmation_ConfirmSignUp", account)
    complete = {**attributes(aws, EMAIL), "email_verified": "true"}
    monkeypatch.setattr(user_store, "put_if_absent", lambda user: pytest.fail("wrote the row again"))
    monkeypatch.setattr(identity, "set_user_id", lambda *args: pytest.fail("wrote the attribute again"))

    reads: list[str] = []
    monkeypatch.setattr(user_store, "rename", lambda *args: pytest.fail("renamed an unchanged row"))
    real_get = user_store.get
    monkeypatch.setattr(user_store, "get", lambda user_id: reads.append(user_id) or real_get(user_id))

    answer = trigger(aws, "TokenGeneration_RefreshTokens", complete)

    assert answer["response"] == {}
    assert reads == [complete["sub"]]


def test_the_row_of_a_recorded_account_is_never_written_over(aws: dict[str, str]):
    """Its groups, grants and projects live on the row: recording again must not reset them."""
    account = cognito_account(aws)
    trigger(aws, "PostConfirmation_ConfirmSignUp", account)
    assert not user_store.put_if_absent(user_store.get(account["sub"]))  # type: ignore[arg-type]


def test_an_account_without_an_address_is_not_recorded(aws: dict[str, str]):
    account = {"sub": "no-mail-sub", "_username": "no-mail-sub"}
    trigger(aws, "TokenGeneration_Authentication", account)
    assert user_store.get("no-mail-sub") is None


def test_what_botocore_refuses_to_send_is_a_bad_request(aws: dict[str, str]):
    with pytest.raises(BadRequest):
        identity.sign_out_everywhere("")


def test_logout_addresses_the_account_by_sub_not_by_an_email_it_may_lack(aws: dict[str, str]):
    """Issue 11: an account made outside nodeshare (no users row, no e-mail in the token) got a 500."""
    account = cognito_account(aws)
    claims = {"sub": account["sub"]}  # an access token: no e-mail, no custom:user_id

    response = call("logout", claims=claims)

    assert response["statusCode"] == 200, response["body"]


def test_the_operator_command_reads_the_pool_and_users_table_from_the_stacks_outputs():
    """`make operator` on a deployed stack: `UserPoolId` and `UsersTableName` from its outputs."""
    from botocore.stub import Stubber
    from nodeshare.operator import stack_settings

    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    outputs = [
        {"OutputKey": "ApiUrl", "OutputValue": "https://x.execute-api.us-east-1.amazonaws.com"},
        {"OutputKey": "UserPoolId", "OutputValue": "us-east-1_pool"},
        {"OutputKey": "UsersTableName", "OutputValue": "Nodeshare-Users-1"},
    ]
    stack = {
        "StackName": "Nodeshare",
        "CreationTime": "2025-01-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
    }
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "describe_stacks", {"Stacks": [{**stack, "Outputs": outputs}]}, {"StackName": "Nodeshare"}
        )
        stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "Old"})
        assert stack_settings(cloudformation, "Nodeshare") == {
            "USER_POOL_ID": "us-east-1_pool",
            "USERS_TABLE": "Nodeshare-Users-1",
        }
        with pytest.raises(SystemExit, match="UserPoolId, UsersTableName"):
            stack_settings(cloudformation, "Old")


def test_withdrawing_requests_on_deletion_takes_requests_gone_meanwhile_in_its_stride(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    """Found by a full run: deleting an account answered 409 when the cascade (its own release of
    a node, a moment earlier) had dropped one of its pending share requests between listing them
    and cancelling them. A request no longer pending is what withdrawing wants, not an error."""
    from nodeshare.domain import accounts
    from nodeshare.model.entities import Principal, User

    owner, guest = {"sub": "u-1", "custom:user_id": "u-1"}, {"sub": "u-2", "custom:user_id": "u-2"}
    operator = {"sub": "op", "custom:user_id": "op", "cognito:groups": "[admin]"}
    for user, email in ((owner, "u1@x.test"), (guest, "u2@x.test"), (operator, "op@x.test")):
        user_store.put(User(user["sub"], email, 0))
    config = {"info": {}, "devices": [{"name": "Light", "params": [{"name": "Power", "data_type": "bool"}]}]}
    register = {"node_id": "n1", "name": "L", "type": "t", "secret": "12345678", "config": config}
    assert call("register_node", claims=operator, body=json.dumps(register))["statusCode"] == 201
    claim = json.dumps({"userID": "u-1", "thingPassword": "12345678"})
    assert call("claim_node", claims=owner, body=claim, path_params={"node_id": "n1"})["statusCode"] == 204
    shared = call("share_nodes", claims=owner, body=json.dumps({"nodes": ["n1"], "user_name": "u2@x.test"}))
    request_id = json.loads(shared["body"])["request_id"]
    principal = Principal("u-1", "u1@x.test")
    listed = accounts.list_share_requests(
        principal, sent=True, request_id=None, start_request_id=None, limit=10, now=int(time.time())
    )
    assert [request.request_id for request in listed[0]] == [request_id]
    # the request goes (cancelled here, as the cascade would drop it) after it was listed
    assert call("cancel_share_request", claims=owner, query=f"request_id={request_id}")["statusCode"] == 200
    lists = iter([listed, ([], None)])
    monkeypatch.setattr(accounts, "list_share_requests", lambda *args, **kwargs: next(lists, ([], None)))
    accounts._withdraw_requests(principal, now=int(time.time()))


# A deleted account's tokens (issue 11) --------------------------------------------------------


def _example_path(route) -> dict[str, str]:
    import re

    return {name: "x1" for name in re.findall(r"{(\w+)}", route.path)}


@pytest.mark.parametrize(
    "operation", sorted(op for op, route in ROUTES_BY_OPERATION.items() if route.checks_account)
)
def test_every_user_route_refuses_a_caller_whose_account_is_gone(aws: dict[str, str], operation: str):
    """A deleted account's access token stays valid for the JWT authorizer until it expires; every
    route a user may call answers it 401 before it reads its input or writes anything."""
    route = ROUTES_BY_OPERATION[operation]
    claims = {"sub": "gone", "token_use": "access", "cognito:groups": "[admin]"}

    response = call(operation, claims=claims, path_params=_example_path(route), body="{}", recorded=False)

    assert response["statusCode"] == 401, (operation, response["body"])
    assert json.loads(response["body"])["error_code"] == 107010


def test_an_account_being_deleted_may_finish_its_deletion_and_nothing_else(aws: dict[str, str]):
    from nodeshare.model.entities import User

    user_store.put(User("leaving", "leaving@x.test", 0))
    user_store.mark_deleting("leaving", 1)
    claims = {"sub": "leaving", "token_use": "access"}

    assert call("list_user_groups", claims=claims, recorded=False)["statusCode"] == 401
    assert call("create_user_group", claims=claims, body='{"name": "G"}', recorded=False)["statusCode"] == 401
    # the deletion route goes on to Cognito (which refuses this made-up token's code: a 400, not a 401)
    finishing = call("delete_user", claims=claims, query="verification_code=123456", recorded=False)
    assert finishing["statusCode"] != 401, finishing["body"]


# A verified e-mail change (issue 11) ----------------------------------------------------------


def _recorded(aws: dict[str, str], email: str) -> dict[str, str]:
    account = cognito_account(aws, email)
    trigger(aws, "PostConfirmation_ConfirmSignUp", account)
    return attributes(aws, email)


def test_an_unverified_email_is_never_followed(aws: dict[str, str]):
    account = _recorded(aws, "first@x.test")

    unverified = {**account, "email": "ceo@x.test", "email_verified": "false"}
    trigger(aws, "TokenGeneration_RefreshTokens", unverified)

    assert user_store.get(account["sub"]).user_name == "first@x.test"  # type: ignore[union-attr]
    assert user_store.find_by_name("ceo@x.test") is None


def test_a_verified_email_is_followed_at_the_next_token(aws: dict[str, str]):
    account = _recorded(aws, "first@x.test")

    verified = {**account, "email": "Second@x.test", "email_verified": "true"}
    trigger(aws, "TokenGeneration_RefreshTokens", verified)

    assert user_store.get(account["sub"]).user_name == "second@x.test"  # type: ignore[union-attr]
    assert user_store.find_by_name("second@x.test").user_id == account["sub"]  # type: ignore[union-attr]
    assert user_store.find_by_name("first@x.test") is None


def test_an_address_another_accounts_record_names_is_refused_and_the_sign_in_goes_on(aws: dict[str, str]):
    """Cognito gives an address to one account at a time, but a record may still name one its
    account moved away from: the by_user_name index must never name two users."""
    holder, mover = _recorded(aws, "holder@x.test"), _recorded(aws, "mover@x.test")

    event = trigger(
        aws, "TokenGeneration_Authentication", {**mover, "email": "holder@x.test", "email_verified": "true"}
    )

    assert event["triggerSource"] == "TokenGeneration_Authentication"  # answered: the sign-in goes on
    assert user_store.get(mover["sub"]).user_name == "mover@x.test"  # type: ignore[union-attr]
    named = list(user_store.UserModel.by_user_name.query("holder@x.test"))
    assert [item.user_id for item in named] == [holder["sub"]]


def test_a_group_entry_already_held_for_the_new_address_becomes_hers(aws: dict[str, str]):
    """A group may list her new address before she has it (an e-mail without an account). After the
    change the group holds one entry for her, under the new address, with her account, a manager
    because that entry was; the group's version moves, and her row still names the group."""
    owner, mover = _recorded(aws, "owner@x.test"), _recorded(aws, "first@x.test")
    claims = {"sub": owner["sub"], "custom:user_id": owner["sub"], "token_use": "access"}
    created = call("create_user_group", claims=claims, body='{"name": "G"}')
    group_id = json.loads(created["body"])["group_id"]
    body = json.dumps({"users": ["first@x.test", "second@x.test"], "managers": ["second@x.test"]})
    assert (
        call("set_group_users", claims=claims, body=body, path_params={"group_id": group_id})["statusCode"]
        == 200
    )
    version = group_store.get(group_id).version  # type: ignore[union-attr]

    trigger(
        aws, "TokenGeneration_RefreshTokens", {**mover, "email": "second@x.test", "email_verified": "true"}
    )

    group = group_store.get(group_id)
    assert group is not None and group.version == version + 1
    assert group.members == (GroupMember(mover["sub"], "second@x.test", manager=True),)
    assert user_store.get(mover["sub"]).group_ids == {group_id}  # type: ignore[union-attr]
