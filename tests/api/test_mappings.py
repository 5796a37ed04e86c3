"""RainMaker provisioning (issue 9): a user's mapping request and the node's confirmation, in
either order, with the real handlers against moto; time moves with `CLOCK_OFFSET_SECONDS`."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
BUYER = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}
STRANGER = {"sub": "u-3", "custom:user_id": "u-3", "email": "u3@x.test"}
THING = {"sub": "n1", "token_use": "thing", "secret_version": "0", "aud": "nodeshare-things"}
NODE_ID, KEY = "n1", "8f5a2c7e-secret-key"
CONFIG = {"info": {}, "devices": [{"name": "Light", "params": [{"name": "Power", "data_type": "bool"}]}]}


@pytest.fixture
def node(aws) -> str:
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (OWNER, BUYER, STRANGER):
        user_store.put(User(user["sub"], user["email"], 0))
    body = {"node_id": NODE_ID, "name": "Light", "type": "t", "secret": "12345678", "config": CONFIG}
    body["scopes"] = {"users": ["u-1", "u-2"]}
    assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
    return NODE_ID


def ask(user: dict, key: str = KEY, node_id: str = NODE_ID) -> dict:
    body = {"node_id": node_id, "secret_key": key, "operation": "add", "user_id": user["sub"]}
    response = call("update_node_mapping", claims=user, body=json.dumps(body))
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])


def confirm(user: dict, key: str = KEY) -> dict:
    body = json.dumps({"user_id": user["sub"], "secret_key": key})
    return call("confirm_node_mapping", claims=THING, body=body, path_params={"node_id": NODE_ID})


def status(user: dict, request_id: str) -> dict:
    return call("get_node_mapping", claims=user, query=f"request_id={request_id}")


def status_of(user: dict, request_id: str) -> str:
    response = status(user, request_id)
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])["request_status"]


def primary_of(node_id: str) -> str | None:
    from nodeshare.store import nodes as node_store

    node = node_store.get(node_id)
    return node.primary_user_id if node else None


def test_the_user_asks_then_the_node_confirms(node):
    request_id = ask(OWNER)["request_id"]
    assert status_of(OWNER, request_id) == "requested"
    assert confirm(OWNER)["statusCode"] == 204
    assert status_of(OWNER, request_id) == "confirmed" and primary_of(node) == "u-1"
    assert ask(OWNER)["request_id"] == request_id  # a retry is the same request, still confirmed


def test_the_node_confirms_first_then_the_user_asks(node):
    assert confirm(OWNER)["statusCode"] == 204
    assert primary_of(node) is None
    request_id = ask(OWNER)["request_id"]
    assert status_of(OWNER, request_id) == "confirmed" and primary_of(node) == "u-1"


def test_provisioning_replaces_an_owner_with_the_nodes_participation_and_a_new_epoch(node):
    from nodeshare.store import nodes as node_store

    ask(OWNER), confirm(OWNER)
    epoch = node_store.get(node).epoch
    request_id = ask(BUYER, key="another-key")["request_id"]
    assert primary_of(node) == "u-1"  # not by the user's request alone
    assert confirm(BUYER, key="another-key")["statusCode"] == 204
    assert status_of(BUYER, request_id) == "confirmed"
    assert primary_of(node) == "u-2" and node_store.get(node).epoch == epoch + 1


def test_a_wrong_key_or_another_user_never_confirms(node):
    request_id = ask(OWNER)["request_id"]
    assert confirm(OWNER, key="wrong")["statusCode"] == 204  # the node cannot tell; nothing matches
    assert confirm(BUYER)["statusCode"] == 204
    assert status_of(OWNER, request_id) == "requested" and primary_of(node) is None


def test_out_of_scope_or_unknown_nodes_answer_alike_and_are_never_confirmed(node):
    out_of_scope = ask(STRANGER)
    unknown = ask(STRANGER, node_id="no-such-node")
    assert out_of_scope.keys() == unknown.keys() and out_of_scope["status"] == unknown["status"]
    assert confirm(STRANGER)["statusCode"] == 204
    assert status_of(STRANGER, out_of_scope["request_id"]) == "discarded" and primary_of(node) is None
    assert status_of(STRANGER, unknown["request_id"]) == "requested"


def test_only_the_requester_sees_the_status(node):
    request_id = ask(OWNER)["request_id"]
    for other, code in ((BUYER, 404), (OPERATOR, 404)):
        assert status(other, request_id)["statusCode"] == code
    assert status(OWNER, "0" * 32)["statusCode"] == 404
    assert status(OWNER, "")["statusCode"] == 400


def test_a_request_times_out_exactly(node, monkeypatch: pytest.MonkeyPatch):
    from nodeshare.settings import settings

    request_id = ask(OWNER)["request_id"]
    monkeypatch.setenv("CLOCK_OFFSET_SECONDS", str(settings().mapping_ttl_seconds - 1))
    assert status_of(OWNER, request_id) == "requested"
    monkeypatch.setenv("CLOCK_OFFSET_SECONDS", str(settings().mapping_ttl_seconds))
    assert status_of(OWNER, request_id) == "timedout"
    assert confirm(OWNER)["statusCode"] == 204
    assert primary_of(node) is None  # a late confirmation waits for a new request instead
    assert ask(OWNER)["request_id"] == request_id
    assert status_of(OWNER, request_id) == "confirmed" and primary_of(node) == "u-1"


def test_the_scope_is_checked_when_the_node_confirms(node):
    request_id = ask(BUYER)["request_id"]
    update = {"scopes": {"users": ["-u-2"]}}
    assert call("update_admin_node", claims=OPERATOR, body=json.dumps(update),
                path_params={"node_id": NODE_ID})["statusCode"] == 200  # fmt: skip
    assert confirm(BUYER)["statusCode"] == 204
    assert status_of(BUYER, request_id) == "discarded" and primary_of(node) is None


def test_bad_mapping_input_is_a_400(node):
    body = {"node_id": NODE_ID, "operation": "add"}
    assert call("update_node_mapping", claims=OWNER, body=json.dumps(body))["statusCode"] == 400
    other = {"node_id": NODE_ID, "operation": "add", "secret_key": KEY, "user_id": "u-2"}
    assert call("update_node_mapping", claims=OWNER, body=json.dumps(other))["statusCode"] == 403
    for bad in ({"user_id": "u-1"}, {"secret_key": KEY}, {"user_id": "u-1", "secret_key": ""}, []):
        answer = call(
            "confirm_node_mapping", claims=THING, body=json.dumps(bad), path_params={"node_id": NODE_ID}
        )
        assert answer["statusCode"] == 400, bad
