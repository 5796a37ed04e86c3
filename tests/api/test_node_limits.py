"""What bounds a node item (issue 12): merged params and the list of secondaries stay far below
DynamoDB's 400 KB item, with a clear 4xx past each limit, never a 500 from DynamoDB."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
GUEST = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}
NODE_ID = "n1"
TEXTS = [f"Text{index}" for index in range(12)]


@pytest.fixture
def node(aws) -> str:
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (OWNER, GUEST):
        user_store.put(User(user["sub"], user["email"], 0))
    params = [{"name": name, "data_type": "string", "properties": ["read", "write"]} for name in TEXTS]
    config = {"info": {}, "devices": [{"name": "Board", "params": params}]}
    body = {"node_id": NODE_ID, "name": "Board", "type": "t", "secret": "12345678", "config": config}
    assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
    claim = json.dumps({"userID": OWNER["sub"], "thingPassword": "12345678"})
    assert call("claim_node", claims=OWNER, body=claim, path_params={"node_id": NODE_ID})["statusCode"] == 204
    return NODE_ID


def write(name: str, value: str) -> dict:
    return call(
        "set_node_params", claims=OWNER, query=f"nodeid={NODE_ID}", body=json.dumps({"Board": {name: value}})
    )


def test_params_stop_growing_at_the_limit_with_a_400(node):
    from nodeshare.domain.params import MAX_NODE_PARAMS_BYTES

    big = "x" * 7_000  # each write is within the 8 KB a write may carry
    answers = [write(name, big)["statusCode"] for name in TEXTS]
    accepted = answers.count(200)
    assert accepted == MAX_NODE_PARAMS_BYTES // 7_000 and set(answers[accepted:]) == {400}
    refused = json.loads(write(TEXTS[-1], big)["body"])
    assert refused["error_code"] == 107002 and "more than the" in refused["description"]
    # what is stored stays readable, and overwriting with less is still fine
    assert call("get_node_params", claims=OWNER, query=f"nodeid={NODE_ID}")["statusCode"] == 200
    assert write(TEXTS[0], "small")["statusCode"] == 200


def test_the_secondaries_of_a_node_are_bounded_with_a_409(node):
    from nodeshare.domain.sharing import MAX_SECONDARIES
    from nodeshare.store.models import NodeModel

    # Given a node that already lists the most secondaries allowed
    NodeModel(NODE_ID).update(
        actions=[NodeModel.secondary_user_ids.add({f"seeded-{index}" for index in range(MAX_SECONDARIES)})]
    )
    share = {"nodes": [NODE_ID], "user_name": GUEST["email"]}
    request_id = json.loads(call("share_nodes", claims=OWNER, body=json.dumps(share))["body"])["request_id"]
    # When one more accepts, it is a 409, and nothing is granted
    answer = call(
        "update_share_request", claims=GUEST, body=json.dumps({"accept": True, "request_id": request_id})
    )
    assert answer["statusCode"] == 409 and json.loads(answer["body"])["error_code"] == 107071
    assert call("get_node_params", claims=GUEST, query=f"nodeid={NODE_ID}")["statusCode"] == 404
