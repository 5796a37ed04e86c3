"""The measured operations of the foundation slice, at a given table size."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import requests

from bench.counting import Cost, measuring
from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Api, Caller

# Reading one page of a node's params archive is one Query (plus the decision's reads).
HISTORY_PAGE = "list_params_history page"
HISTORY_WRITES = 30

_stack: Any = None
_api: Api | None = None
_seeded = 0


def _local_stack() -> tuple[Any, Api]:
    global _stack, _api
    if _stack is None:
        from nodeshare.local.stack import start

        _stack = start(port=0)
        _api = Api(_stack.url, _stack.admin_user_name, _stack.admin_password)
    assert _api is not None
    return _stack, _api


def _seed_to(stack: Any, nodes: int) -> None:
    """Fill the tables up to `nodes` nodes (each with a primary and a secondary association)
    and as many users, written straight to the emulator: setup, not measured."""
    global _seeded
    import boto3
    from boto3.dynamodb.types import TypeSerializer
    from nodeshare.domain.secrets import hash_secret

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_endpoint, region_name="us-east-1")
    serializer = TypeSerializer()
    secret_hash = hash_secret("seeded-secret")

    def put(item: dict[str, Any]) -> dict[str, Any]:
        return {"PutRequest": {"Item": {key: serializer.serialize(value) for key, value in item.items()}}}

    while _seeded < nodes:
        batch = range(_seeded, min(_seeded + 8, nodes))
        writes: dict[str, list[dict[str, Any]]] = {"nodeshare-nodes": [], "nodeshare-associations": [],
                                                   "nodeshare-users": []}  # fmt: skip
        for index in batch:
            node_id, owner, guest = (
                f"seed{index:06d}",
                f"seed-user-{index % 997}",
                f"seed-user-{index % 991 + 1}",
            )
            writes["nodeshare-nodes"].append(put({
                "node_id": node_id, "catalog": "node", "name": "seeded", "type": "t",
                "secret_hash": secret_hash, "params": {}, "tags": [], "scopes": {}, "epoch": 1,
                "primary_user_id": owner, "connected": False, "connectivity_timestamp_ms": 0, "created_at": 0,
            }))  # fmt: skip
            writes.setdefault("nodeshare-configs", []).append(
                put({"node_id": node_id, "config": {"info": {}, "devices": []}})
            )
            for user_id, role, level in ((owner, "primary", "rwp"), (guest, "secondary", "rw")):
                writes["nodeshare-associations"].append(put({
                    "node_id": node_id, "user_id": user_id, "user_name": f"{user_id}@seed", "role": role,
                    "level": level, "epoch": 1, "created_at": 0,
                }))  # fmt: skip
            # one params write in the archive per node, so the archive grows with the tables
            writes.setdefault("nodeshare-archive", []).append(put({
                "node_id": node_id, "record_id": f"{index:013d}-000000000000", "timestamp_ms": index,
                "epoch": 1, "kind": "write", "user_id": owner, "user_name": f"{owner}@seed",
                "params": {}, "expires_at": 2**32,
            }))  # fmt: skip
            account = f"seed-account-{index}"
            writes["nodeshare-users"].append(
                put({"user_id": account, "user_name": f"{account}@seed", "created_at": 0})
            )
        dynamodb.batch_write_item(RequestItems=writes)
        _seeded = batch.stop


def _measure(costs: dict[str, Cost], name: str, call: Callable[[], requests.Response], expect: int) -> Any:
    cost = Cost()
    with measuring(cost):
        response = call()
    assert response.status_code == expect, (name, response.status_code, response.text)
    costs[name] = cost
    return response


def measure_operations(size: int) -> dict[str, Cost]:
    stack, api = _local_stack()
    _seed_to(stack, size)
    costs: dict[str, Cost] = {}
    anonymous, operator = api.anonymous, api.operator
    user_name = f"bench-{uuid.uuid4().hex[:8]}@nodeshare.test"
    password = "Bench-Passw0rd!"

    _measure(costs, "get_api_versions", lambda: anonymous.get("/apiversions"), 200)
    _measure(
        costs,
        "sign_up",
        lambda: anonymous.post("/v1/user", json={"user_name": user_name, "password": password}),
        200,
    )
    login = _measure(
        costs,
        "login",
        lambda: anonymous.post("/v1/login2", json={"user_name": user_name, "password": password}),
        200,
    )
    tokens = login.json()
    user = Caller(api.base_url, token=tokens["accesstoken"], refresh_token=tokens["refreshtoken"])
    _measure(
        costs,
        "login (refresh token)",
        lambda: anonymous.post("/v1/login2", json={"refreshtoken": user.refresh_token}),
        200,
    )
    user.user_id = _measure(costs, "get_user", lambda: user.get("/v1/user"), 200).json()["user_id"]

    node_id = f"bench{uuid.uuid4().hex[:10]}"
    register = {"node_id": node_id, "name": "Light", "type": "Lightbulb", "secret": "bench-secret",
                "config": LIGHT_CONFIG, "params": LIGHT_PARAMS}  # fmt: skip
    _measure(costs, "register_node", lambda: operator.post("/v1/admin/nodes", json=register), 201)
    _measure(costs, "list_admin_nodes (page of 25)", lambda: operator.get("/v1/admin/nodes"), 200)
    claim = {"userID": user.user_id, "thingPassword": "bench-secret"}
    _measure(costs, "claim_node", lambda: user.post(f"/v1/things/{node_id}/ownership", json=claim), 204)
    for _ in range(9):  # the user owns 10 nodes
        api.claim(user, api.node())

    _measure(costs, "list_user_nodes", lambda: user.get("/v1/user/nodes"), 200)
    _measure(
        costs, "list_user_nodes (node_details)", lambda: user.get("/v1/user/nodes?node_details=true"), 200
    )
    _measure(costs, "list_user_nodes (node_id)", lambda: user.get(f"/v1/user/nodes?node_id={node_id}"), 200)
    _measure(costs, "get_node_config", lambda: user.get(f"/v1/user/nodes/config?nodeid={node_id}"), 200)
    _measure(costs, "get_node_params", lambda: user.get(f"/v1/user/nodes/params?nodeid={node_id}"), 200)
    _measure(costs, "get_node_status", lambda: user.get(f"/v1/user/nodes/status?nodeid={node_id}"), 200)
    write = [{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
    _measure(costs, "set_node_params", lambda: user.put("/v1/user/nodes/params", json=write), 200)
    for brightness in range(HISTORY_WRITES - 1):  # setup: more records than a page holds
        payload = {"Light": {"Brightness": brightness}}
        assert user.put(f"/v1/user/nodes/params?nodeid={node_id}", json=payload).status_code == 200
    history = f"/v1/user/nodes/params/history?node_id={node_id}"
    page = _measure(costs, f"{HISTORY_PAGE} 1 of 25", lambda: user.get(history), 200).json()
    assert len(page["history"]) == 25 and "next_id" in page, page
    _measure(costs, f"{HISTORY_PAGE} 2", lambda: user.get(f"{history}&start_id={page['next_id']}"), 200)
    # The node as the caller (issue 9): verifying its token costs no DynamoDB read (the authorizer);
    # each report is one read of the node and one conditional write.
    token = _measure(
        costs,
        "issue_thing_token",
        lambda: anonymous.post(f"/v1/things/{node_id}/token", json={"thingPassword": "bench-secret"}),
        200,
    ).json()["access_token"]
    thing = Caller(api.base_url, token=f"Bearer {token}")
    device = f"/v1/things/{node_id}"
    _measure(
        costs,
        "report_connectivity",
        lambda: thing.put(f"{device}/connectivity", json={"connected": True}),
        204,
    )
    report = {"Light": {"Brightness": 40}}
    _measure(costs, "report_node_params", lambda: thing.put(f"{device}/params", json=report), 204)
    _measure(costs, "report_node_config", lambda: thing.put(f"{device}/config", json=LIGHT_CONFIG), 204)
    _measure(costs, "get_desired_params", lambda: thing.get(f"{device}/params?since=0"), 200)
    release = {"node_id": node_id, "operation": "remove"}
    _measure(
        costs, "update_node_mapping (release)", lambda: user.put("/v1/user/nodes/mapping", json=release), 200
    )
    _measure(costs, "logout", lambda: user.post("/v1/logout2"), 200)
    return costs
