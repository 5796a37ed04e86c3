"""Every route with every kind of caller: anonymous, stranger, reader (secondary `r`), secondary
(`rw`), primary and operator. Each cell gets a fresh node claimed by the primary, so destructive
routes (release, claim) never leak into other cells.

Secondaries are seeded as association rows under the node's current epoch — exactly what
accepting a share request writes (issue 3 adds the routes that do it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.client import Api, Caller

ANONYMOUS, STRANGER, READER, SECONDARY, PRIMARY, OPERATOR = (
    "anonymous", "stranger", "reader", "secondary", "primary", "operator"
)  # fmt: skip
CALLERS = (ANONYMOUS, STRANGER, READER, SECONDARY, PRIMARY, OPERATOR)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {node} is replaced by the cell's node id
    body: Any = None
    expected: dict[str, int] | None = None  # status per caller


def statuses(anonymous: int, stranger: int, reader: int, secondary: int, primary: int, operator: int) -> dict:
    return dict(zip(CALLERS, (anonymous, stranger, reader, secondary, primary, operator), strict=True))


WRITE = [{"node_id": "{node}", "payload": {"Light": {"Power": True}}}]
REMOVE = {"node_id": "{node}", "operation": "remove", "secret_key": ""}
TO = "9" * 13  # the latest time an archive record may have
CORRECTION = {"timestamp": int(time.time() * 1000), "params": {"Light": {"Power": True}}}
NEW_NODE = {"node_id": "matrix{node}", "name": "n", "type": "t", "secret": "12345678",
            "config": {"info": {}, "devices": []}}  # fmt: skip

CASES = {
    "get_api_versions": Case("GET", "/apiversions", expected=statuses(200, 200, 200, 200, 200, 200)),
    "get_user": Case("GET", "/v1/user", expected=statuses(401, 200, 200, 200, 200, 200)),
    "register_node": Case("POST", "/v1/admin/nodes", NEW_NODE, statuses(401, 403, 403, 403, 403, 201)),
    "list_admin_nodes": Case("GET", "/v1/admin/nodes", expected=statuses(401, 403, 403, 403, 403, 200)),
    "claim_wrong_password": Case(
        "POST", "/v1/things/{node}/ownership", {"userID": "{user}", "thingPassword": "wrong-pass"},
        statuses(401, 404, 404, 404, 404, 404),
    ),
    "list_user_nodes": Case("GET", "/v1/user/nodes", expected=statuses(401, 200, 200, 200, 200, 200)),
    "get_user_node": Case("GET", "/v1/user/nodes?node_id={node}",
                          expected=statuses(401, 404, 200, 200, 200, 200)),
    "get_node_config": Case("GET", "/v1/user/nodes/config?nodeid={node}",
                            expected=statuses(401, 404, 200, 200, 200, 200)),
    "get_node_params": Case("GET", "/v1/user/nodes/params?nodeid={node}",
                            expected=statuses(401, 404, 200, 200, 200, 200)),
    "get_node_status": Case("GET", "/v1/user/nodes/status?nodeid={node}",
                            expected=statuses(401, 404, 200, 200, 200, 200)),
    "set_node_params": Case("PUT", "/v1/user/nodes/params", WRITE, statuses(401, 404, 403, 200, 200, 403)),
    "remove_mapping": Case("PUT", "/v1/user/nodes/mapping", REMOVE, statuses(401, 404, 200, 200, 200, 403)),
    # the params archive: read r (operators too), correct rw, purge rwp (issue 8)
    "list_params_history": Case("GET", "/v1/user/nodes/params/history?node_id={node}",
                                expected=statuses(401, 404, 200, 200, 200, 200)),
    "correct_params_history": Case("PUT", "/v1/user/nodes/params/history?node_id={node}", CORRECTION,
                                   statuses(401, 404, 403, 201, 201, 403)),
    "purge_params_history": Case("DELETE", "/v1/user/nodes/params/history?node_id={node}&from=0&to=" + TO,
                                 expected=statuses(401, 404, 403, 403, 200, 403)),
}  # fmt: skip


@pytest.fixture(scope="module")
def callers(api: Api) -> dict[str, Caller]:
    return {
        ANONYMOUS: api.anonymous,
        STRANGER: api.user("stranger"),
        READER: api.user("reader"),
        SECONDARY: api.user("secondary"),
        PRIMARY: api.user("primary"),
        OPERATOR: api.operator,
    }


def seed_secondary(local_stack, node_id: str, caller: Caller, level: str, epoch: int) -> None:
    local_stack.aws("dynamodb").put_item(
        TableName="nodeshare-associations",
        Item={
            "node_id": {"S": node_id},
            "user_id": {"S": caller.user_id},
            "user_name": {"S": caller.user_name},
            "role": {"S": "secondary"},
            "level": {"S": level},
            "epoch": {"N": str(epoch)},
            "created_at": {"N": "0"},
        },
    )


def fill(value: Any, node_id: str, user_id: str) -> Any:
    if isinstance(value, str):
        return value.replace("{node}", node_id).replace("{user}", user_id)
    if isinstance(value, list):
        return [fill(item, node_id, user_id) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, node_id, user_id) for key, item in value.items()}
    return value


@pytest.mark.parametrize("caller_kind", CALLERS)
@pytest.mark.parametrize("operation", CASES)
def test_route_answers_each_kind_of_caller(api: Api, callers, local_stack, operation: str, caller_kind: str):
    # Given a node claimed by the primary, with a reader (r) and a secondary (rw) under its epoch
    case = CASES[operation]
    node_id = api.owned_node(callers[PRIMARY])
    seed_secondary(local_stack, node_id, callers[READER], "r", epoch=1)
    seed_secondary(local_stack, node_id, callers[SECONDARY], "rw", epoch=1)
    caller = callers[caller_kind]

    # When this kind of caller calls the route
    response = caller.request(
        case.method,
        fill(case.path, node_id, caller.user_id or ""),
        json=fill(case.body, node_id, caller.user_id or ""),
    )

    # Then it gets exactly the expected status, in the spec's error shape when refused
    assert response.status_code == case.expected[caller_kind], response.text
    if response.status_code >= 400:
        body = response.json()
        assert body["status"] == "failure" and isinstance(body["error_code"], int) and body["description"]


def test_a_refusal_for_a_foreign_node_is_identical_to_an_unknown_node(api: Api, callers):
    foreign = api.owned_node(callers[PRIMARY])
    stranger = callers[STRANGER]
    for path in (
        "/v1/user/nodes/params?nodeid={}",
        "/v1/user/nodes/config?nodeid={}",
        "/v1/user/nodes?node_id={}",
    ):
        seen = stranger.get(path.format(foreign))
        unseen = stranger.get(path.format("nosuchnode0"))
        assert seen.status_code == unseen.status_code == 404
        assert seen.json()["error_code"] == unseen.json()["error_code"]
        assert seen.json()["description"].replace(foreign, "X") == unseen.json()["description"].replace(
            "nosuchnode0", "X"
        )


def test_claiming_for_another_user_is_refused_like_a_wrong_password(api: Api, callers):
    node_id = api.node()
    stranger, primary = callers[STRANGER], callers[PRIMARY]
    for_someone_else = stranger.post(
        f"/v1/things/{node_id}/ownership", json={"userID": primary.user_id, "thingPassword": "thing-secret-1"}
    )
    wrong_password = stranger.post(
        f"/v1/things/{node_id}/ownership", json={"userID": stranger.user_id, "thingPassword": "nope-nope"}
    )
    unknown_node = stranger.post(
        "/v1/things/nosuchnode1/ownership",
        json={"userID": stranger.user_id, "thingPassword": "thing-secret-1"},
    )
    assert for_someone_else.status_code == wrong_password.status_code == unknown_node.status_code == 404
    assert for_someone_else.json() == wrong_password.json() == unknown_node.json()
    # and nothing changed: the node is still unclaimed
    assert api.admin_view(node_id)["primary_user_id"] is None


def test_a_secondary_leaving_does_not_touch_anyone_else(api: Api, callers, local_stack):
    node_id = api.owned_node(callers[PRIMARY])
    seed_secondary(local_stack, node_id, callers[READER], "r", epoch=1)
    seed_secondary(local_stack, node_id, callers[SECONDARY], "rw", epoch=1)
    left = callers[SECONDARY].put("/v1/user/nodes/mapping", json=fill(REMOVE, node_id, ""))
    assert left.status_code == 200
    assert callers[SECONDARY].get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    assert callers[READER].get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200
    assert callers[PRIMARY].get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200


def test_a_primary_releasing_the_node_cuts_off_every_secondary(api: Api, callers, local_stack):
    node_id = api.owned_node(callers[PRIMARY])
    seed_secondary(local_stack, node_id, callers[SECONDARY], "rw", epoch=1)
    assert callers[PRIMARY].put("/v1/user/nodes/mapping", json=fill(REMOVE, node_id, "")).status_code == 200
    assert callers[SECONDARY].get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    assert callers[SECONDARY].get("/v1/user/nodes").json()["nodes"].count(node_id) == 0


def test_removing_another_users_mapping_is_refused(api: Api, callers):
    node_id = api.owned_node(callers[PRIMARY])
    body = {**fill(REMOVE, node_id, ""), "user_id": callers[PRIMARY].user_id}
    assert callers[STRANGER].put("/v1/user/nodes/mapping", json=body).status_code == 403
    assert callers[PRIMARY].get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200
