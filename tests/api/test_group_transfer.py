"""A group transfer at its size limit, through the real handlers: the biggest transfer the domain
accepts (10 groups, `MAX_TRANSFERRED_NODES` nodes, the old owner kept) must fit the one
transaction DynamoDB allows (100 items), and one node more is refused when asked and at accept."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

ALICE = {"sub": "u-alice", "custom:user_id": "u-alice", "email": "alice@x.test"}
BOB = {"sub": "u-bob", "custom:user_id": "u-bob", "email": "bob@x.test"}
GROUPS = 10


@pytest.fixture
def nodes(aws, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """MAX_TRANSFERRED_NODES + 1 nodes of alice's (a cheap scrypt: this test is not about secrets)."""
    from nodeshare.domain import group_sharing, secrets
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    monkeypatch.setattr(secrets, "_N", 2**4)
    for user in (ALICE, BOB):
        user_store.put(User(user["sub"], user["email"], 0))
    node_ids = [f"n{index:02}" for index in range(group_sharing.MAX_TRANSFERRED_NODES + 1)]
    for node_id in node_ids:
        body = {"node_id": node_id, "name": "Light", "type": "t", "secret": "12345678",
                "config": {"info": {}, "devices": []}}  # fmt: skip
        assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
        claim = json.dumps({"userID": ALICE["sub"], "thingPassword": "12345678"})
        assert (
            call("claim_node", claims=ALICE, body=claim, path_params={"node_id": node_id})["statusCode"]
            == 204
        )
    return node_ids


def create_group(node_ids: list[str]) -> str:
    body = json.dumps({"group_name": "G", "nodes": node_ids})
    answer = call("create_node_group", claims=ALICE, body=body)
    assert answer["statusCode"] == 200, answer
    return str(json.loads(answer["body"])["group_id"])


def transfer(group_ids: list[str]) -> dict:
    body = {"groups": group_ids, "user_name": BOB["email"], "transfer": True, "new_role": "secondary"}
    return call("share_node_groups", claims=ALICE, body=json.dumps(body))


def edit(group_id: str, operation: str, node_id: str) -> int:
    body = json.dumps({"nodes": [node_id], "operation": operation})
    return int(call("edit_node_group", claims=ALICE, query=f"group_id={group_id}", body=body)["statusCode"])


def test_the_largest_transfer_fits_one_transaction_and_one_more_node_does_not(nodes):
    most, extra = nodes[:-1], nodes[-1]
    # 10 groups over the most nodes allowed (the first group holds the remainder)
    size = len(most) // GROUPS
    first = len(most) - size * (GROUPS - 1)
    chunks = [most[:first]] + [most[first + i * size : first + (i + 1) * size] for i in range(GROUPS - 1)]
    assert sorted(node for chunk in chunks for node in chunk) == most and len(chunks) == GROUPS
    group_ids = [create_group(chunk) for chunk in chunks]
    request_id = json.loads(transfer(group_ids)["body"])["request_id"]

    # One node more: refused when asked, and a 409 at accept (nothing moves)
    assert edit(group_ids[0], "add", extra) == 200
    assert transfer(group_ids)["statusCode"] == 400
    accept = json.dumps({"accept": True, "request_id": request_id})
    assert call("update_group_share_request", claims=BOB, body=accept)["statusCode"] == 409

    # At the limit: one transaction of at most 100 items, and everything moved
    assert edit(group_ids[0], "remove", extra) == 200
    accepted = call("update_group_share_request", claims=BOB, body=accept)
    assert accepted["statusCode"] == 200, accepted
    from nodeshare.store import nodes as node_store

    for node_id in nodes:
        node = node_store.get(node_id)
        assert node is not None
        if node_id == extra:
            assert node.primary_user_id == ALICE["sub"]
        else:
            assert (node.primary_user_id, node.secondary_user_ids) == (BOB["sub"], {ALICE["sub"]})
