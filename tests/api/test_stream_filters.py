"""The stream mappings' filters (`store.stream_filters`) against the records real writes make:
every record the processor acts on passes (the delivery checks each one, `tests/api/streams.py`),
and params writes never invoke the processor, whoever owns the node."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import OPERATOR, call
from tests.api.streams import Streams

ALICE = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
BOB = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}
NODE = {"node_id": "n1"}
SECRET = "12345678"
CONFIG = {
    "info": {},
    "devices": [
        {"name": "Light", "params": [{"name": "Power", "data_type": "bool", "properties": ["read", "write"]}]}
    ],
}


def ok(response: dict, status: int = 204) -> dict:
    assert response["statusCode"] == status, response["body"]
    return json.loads(response["body"]) if response["body"] else {}


def claim(user: dict, **body: str) -> None:
    body = {"thingPassword": SECRET, **body}
    ok(call("claim_node", claims=user, body=json.dumps(body), path_params=NODE))


def write_params(user: dict, first: bool = True) -> None:
    """Three writes, each changing the value."""
    for value in (first, not first, first):
        body = json.dumps({"Light": {"Power": value}})
        ok(call("set_node_params", claims=user, query="nodeid=n1", body=body), 200)


def params_writes(records: list[dict[str, Any]]) -> int:
    """The MODIFY records of n1 that changed its params and nothing the cascade reads."""
    count = 0
    for record in records:
        images = record["dynamodb"]
        if record["eventName"] != "MODIFY" or "params" not in images["NewImage"]:
            continue
        changed = images["OldImage"]["params"] != images["NewImage"]["params"]
        if images["Keys"] == {"node_id": {"S": "n1"}} and changed:
            count += 1
    return count


def discoverable() -> list[str]:
    from nodeshare.store import discovery

    return discovery.page(["user:all"], None, 10)[0]


@pytest.fixture
def family(aws) -> str:
    """Node n1 registered for everyone to find, and alice's user group "family" holding bob."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (ALICE, BOB):
        user_store.put(User(user["sub"], user["email"], 0))
    body = {"node_id": "n1", "name": "Light", "type": "t", "secret": SECRET, "config": CONFIG}
    ok(call("register_node", claims=OPERATOR, body=json.dumps(body)), 201)
    group = ok(call("create_user_group", claims=ALICE, body=json.dumps({"name": "family"})), 201)
    members = json.dumps({"users": [BOB["email"]]})
    ok(call("set_group_users", claims=ALICE, body=members, path_params={"group_id": group["group_id"]}), 200)
    return str(group["group_id"])


def test_params_writes_are_filtered_out_and_every_cascade_still_runs(family):
    streams = Streams()
    # Given a registered node, indexed for discovery by the stream
    streams.deliver()
    assert discoverable() == ["n1"]

    # When its primary claims it and writes params, then releases it
    claim(ALICE, userID="u-1")
    write_params(ALICE)
    streams.deliver()
    # Then the claim reached the processor (the node left discovery), the params writes did not
    assert discoverable() == []
    assert params_writes(streams.filtered_out) == 3

    ok(call("remove_owner", claims=ALICE, path_params={**NODE, "owner": "user:u-1"}))
    streams.deliver()
    assert discoverable() == ["n1"]

    # When a group claims it (no primary: owned by the group) and a member writes params
    claim(BOB, groupID=family)
    streams.deliver()
    assert discoverable() == []
    write_params(BOB, first=False)  # the last write left True
    streams.deliver()
    # Then those writes are filtered out too, though the node has no primary
    assert params_writes(streams.filtered_out) == 6

    # When the group gives it up (a release) and an operator rescopes it, the stream follows
    ok(call("remove_owner", claims=BOB, path_params={**NODE, "owner": f"group:{family}"}))
    streams.deliver()
    assert discoverable() == ["n1"]
    scopes = json.dumps({"scopes": {"users": ["-all"]}})
    ok(call("update_admin_node", claims=OPERATOR, body=scopes, path_params=NODE), 200)
    streams.deliver()
    assert discoverable() == []

    # And a deleted user group reaches the processor (its members' rows are tidied)
    ok(call("delete_user_group", claims=ALICE, path_params={"group_id": family}), 200)
    assert streams.deliver() >= 1
    from nodeshare.store.models import UserModel

    assert not UserModel.get("u-2").group_ids
