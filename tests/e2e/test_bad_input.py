"""Bad input gets a clear 4xx in the spec's error shape — never a 5xx, never a partial write."""

from __future__ import annotations

import json

import pytest

from tests.support.client import LIGHT_CONFIG, Api

TABLES = (
    "nodeshare-nodes",
    "nodeshare-associations",
    "nodeshare-users",
    "nodeshare-requests",
    "nodeshare-archive",
    "nodeshare-configs",
)


def snapshot(local_stack) -> dict[str, list]:
    """Every item of every table (a test may scan; request paths never do), but the counters of
    failed claims: counting a wrong guess is the one write a refusal makes on purpose
    (`store.attempts`)."""
    dynamodb = local_stack.aws("dynamodb")
    return {
        table: sorted(
            json.dumps(item, sort_keys=True)
            for item in dynamodb.scan(TableName=table)["Items"]
            if item.get("kind", {}).get("S") != "attempts"
        )
        for table in TABLES
    }


@pytest.fixture(scope="module")
def owner(api: Api):
    caller = api.user("owner")
    return caller, api.owned_node(caller)


def bad_requests(node_id: str, user_id: str) -> list[tuple[str, str, dict]]:
    """(method, path, requests kwargs) that must all be refused with a 4xx."""
    register = {"node_id": "x1", "name": "n", "type": "t", "secret": "12345678", "config": LIGHT_CONFIG}
    return [
        # malformed JSON and empty bodies
        ("PUT", "/v1/user/nodes/params", {"data": "{not json"}),
        ("PUT", "/v1/user/nodes/params", {"data": ""}),
        ("POST", "/v1/login2", {"data": "[1,2"}),
        ("POST", "/v1/user", {"data": b"\xff\xfe\x00garbage"}),
        ("POST", f"/v1/things/{node_id}/ownership", {"data": "null"}),
        ("POST", "/v1/admin/nodes", {"data": "\"a string\""}),
        # wrong types
        ("PUT", "/v1/user/nodes/params", {"json": [{"node_id": 7, "payload": {}}]}),
        ("PUT", "/v1/user/nodes/params", {"json": [{"node_id": node_id, "payload": "on"}]}),
        ("PUT", "/v1/user/nodes/params", {"json": [{"node_id": node_id, "payload": {"Light": True}}]}),
        ("POST", "/v1/login2", {"json": {"user_name": ["a"], "password": 1}}),
        ("POST", "/v1/user", {"json": {"user_name": "not-an-email", "password": "Passw0rd!x"}}),
        ("POST", f"/v1/things/{node_id}/ownership", {"json": {"userID": user_id, "thingPassword": 12345678}}),
        ("POST", "/v1/admin/nodes", {"json": {**register, "config": {"info": {}, "devices": "x"}}}),
        ("POST", "/v1/admin/nodes", {"json": {**register, "secret": "short"}}),
        ("POST", "/v1/admin/nodes", {"json": {**register, "params": {"Light": {"Colour": "red"}}}}),
        ("PUT", "/v1/user/nodes/mapping", {"json": {"node_id": node_id, "operation": "explode"}}),
        ("GET", "/v1/user/nodes?num_records=abc", {}),
        ("GET", "/v1/user/nodes?num_records=0", {}),
        ("GET", "/v1/user/nodes?node_details=maybe", {}),
        # unknown fields where it matters
        ("POST", "/v1/admin/nodes", {"json": {**register, "owner": "me"}}),
        ("POST", f"/v1/things/{node_id}/ownership",
         {"json": {"userID": user_id, "thingPassword": "thing-secret-1", "extra": 1}}),
        # over-long strings and oversized lists
        ("POST", "/v1/admin/nodes", {"json": {**register, "node_id": "n" * 65}}),
        ("POST", "/v1/admin/nodes", {"json": {**register, "name": "n" * 129}}),
        ("GET", "/v1/user/nodes/params?nodeid=" + "n" * 2000, {}),
        ("PUT", "/v1/user/nodes/params",
         {"json": [{"node_id": f"n{i}", "payload": {"Light": {"Power": True}}} for i in range(101)]}),
        ("PUT", "/v1/user/nodes/params",
         {"json": [{"node_id": node_id, "payload": {"Light": {"Power": True}}}] * 2}),
        # oversized body
        ("PUT", "/v1/user/nodes/params", {"data": json.dumps([{"node_id": node_id, "payload": {"Light": {
            "Power": True}}, "pad": "x" * 70_000}])}),
        # unknown node ids and missing parameters
        ("GET", "/v1/user/nodes/params?nodeid=nosuchnode", {}),
        ("GET", "/v1/user/nodes/params", {}),
        ("PUT", "/v1/user/nodes/params",
         {"json": [{"node_id": "nosuchnode", "payload": {"Light": {"Power": 1}}}]}),
        ("PUT", "/v1/user/nodes/mapping", {"json": {"node_id": "nosuchnode", "operation": "remove"}}),
        ("POST", "/v1/things/nosuchnode/ownership",
         {"json": {"userID": user_id, "thingPassword": "12345678"}}),
        # sharing: malformed ids in queries and bodies
        ("DELETE", "/v1/user/nodes/sharing?nodes=" + ",".join(["n1"] * 101) + "&user_name=x@y.test", {}),
        ("DELETE", "/v1/user/nodes/sharing?nodes=bad%20id&user_name=x@y.test", {}),
        ("DELETE", f"/v1/user/nodes/sharing?nodes={node_id}", {}),
        ("GET", "/v1/user/nodes/sharing/requests?request_id=" + "r" * 200, {}),
        ("GET", "/v1/user/nodes/sharing/requests?num_records=1000", {}),
        ("DELETE", "/v1/user/nodes/sharing/requests", {}),
        ("PUT", "/v1/user/nodes/sharing",
         {"json": {"nodes": [node_id], "user_name": "x@y.test", "primary": "yes"}}),
        ("PUT", "/v1/user/nodes/sharing/requests", {"json": {"accept": "true", "request_id": "r1"}}),
        ("PUT", "/v1/user/nodes/sharing/requests", {"json": {"accept": True}}),
        ("GET", "/v1/user/nodes?start_id=" + "n" * 100, {}),
        # routes that do not exist
        ("GET", "/v1/nothing/here", {}),
        ("DELETE", "/v1/user/nodes/params", {}),
    ]  # fmt: skip


def test_bad_input_is_refused_cleanly_and_writes_nothing(api: Api, owner, local_stack):
    caller, node_id = owner
    operator = api.operator
    before = snapshot(local_stack)
    failures = []
    for method, path, kwargs in bad_requests(node_id, caller.user_id):
        who = operator if path.startswith("/v1/admin") else caller
        response = who.request(method, path, **kwargs)
        ok = 400 <= response.status_code < 500
        try:
            body = response.json()
            shaped = (
                body["status"] == "failure" and isinstance(body["error_code"], int) and body["description"]
            )
        except (ValueError, KeyError, TypeError):
            shaped = False
        if not (ok and shaped):
            failures.append((method, path[:80], response.status_code, response.text[:200]))
    assert failures == []
    assert snapshot(local_stack) == before, "a refused request must not write anything"


def test_an_oversized_body_is_a_413(api: Api, owner):
    caller, node_id = owner
    response = caller.put(f"/v1/user/nodes/params?nodeid={node_id}", data="{" + " " * 70_000 + "}")
    assert response.status_code == 413 and response.json()["error_code"] == 107050


def test_a_malformed_token_is_a_401_in_the_error_shape(api: Api):
    for header in ("garbage", "Bearer ", "Bearer a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."):
        response = api.anonymous.get("/v1/user", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json() == {"status": "failure", "description": "Unauthorized", "error_code": 107010}
