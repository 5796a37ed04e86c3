"""Whatever a writing route accepts, every reading route gives back as it was sent, and no route
answers 5xx (SPEC §2 rules 7 and 9; issue 12): random JSON values, hostile ones included (empty
and over-long keys, lone surrogates, NaN, Infinity, numbers DynamoDB cannot hold, deep nesting,
values past the size limits), are stored through every route that keeps a client's JSON — params
writes (and the same params as archive corrections), node metadata, share-request metadata, node
group custom data, group share metadata and a registered node's config — then read through every
route that shows them: params, config, the params archive, the owner's and the secondary's node
lists (plain and with details), operators' node list, sharing lists, both parties' request lists
and the node group lists. Through the real handlers, with a fixed sequence of examples
(hypothesis, derandomized) so that a run is repeatable.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
SECONDARY = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}
INVITEE = {"sub": "u-3", "custom:user_id": "u-3", "email": "u3@x.test"}
SECRET = "thing-secret-1"
NODE_ID = "thing1"
# One param per JSON type, so that any value has a param it may be written to.
PARAM_FOR = {dict: "Extra", list: "Items", str: "Label", bool: "Power", int: "Ratio", float: "Ratio"}
DEVICE = {
    "name": "Thing",
    "params": [
        {"name": "Power", "data_type": "bool", "properties": ["read", "write"]},
        {"name": "Ratio", "data_type": "float", "properties": ["read", "write"]},
        {"name": "Label", "data_type": "string", "properties": ["read", "write"]},
        {"name": "Extra", "data_type": "object", "properties": ["read", "write"]},
        {"name": "Items", "data_type": "array", "properties": ["read", "write"]},
    ],
}

# Values every route should accept (within the limits) ...
storable_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(min_value=-1e100, max_value=1e100).filter(lambda number: number == 0 or abs(number) >= 1e-100)
    | st.text(max_size=10)
)
# ... and values some route must refuse: keys DynamoDB refuses, text no one can encode, numbers it
# cannot hold (or that are no JSON), values past the size limits.
hostile_text = st.sampled_from(["", "\ud800", "a\udfffb", "k" * 65, "x" * 9000])
hostile_numbers = (
    st.floats()
    | st.integers(-(10**40), 10**40)
    | st.sampled_from([1e200, -1e200, 1e-200, 1e-131, 1e126, 9.99e125, 1e-130, -0.0, 2**53 + 1])
)
hostile_scalars = storable_scalars | hostile_text | hostile_numbers


def documents(scalars: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
        max_leaves=8,
    )


def nest(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = {"n": value}
    return value


storable = documents(storable_scalars, st.text(min_size=1, max_size=6))
hostile = documents(hostile_scalars, st.text(max_size=6) | hostile_text)
values = storable | hostile | st.builds(nest, storable | hostile, st.integers(1, 40))


def request(operation: str, claims: dict[str, str], *, body: Any = None, query: str = "") -> dict[str, Any]:
    """The handler's answer, its body parsed; a 5xx fails the test at once."""
    text = "" if body is None else json.dumps(body)  # NaN as `NaN`, lone surrogates as `\\ud800`
    response = call(operation, claims=claims, query=query, body=text)
    assert response["statusCode"] < 500, (operation, query, text[:300], response["body"][:300])
    parsed = json.loads(response["body"], parse_constant=_invalid_json) if response.get("body") else None
    return {"status": response["statusCode"], "body": parsed}


def _invalid_json(constant: str) -> Any:
    raise AssertionError(f"an answer holds {constant}, which is not JSON")


def ok(operation: str, claims: dict[str, str], **kwargs: Any) -> Any:
    answer = request(operation, claims, **kwargs)
    assert answer["status"] < 300, (operation, kwargs, answer)
    return answer["body"]


def same(read: Any, written: Any) -> bool:
    """Equal as JSON values: numbers by value (DynamoDB keeps no int / float distinction, so 1 and
    1.0 are one number; a NaN, never stored, equals nothing), everything else by type and value."""
    if isinstance(written, dict):
        return (
            isinstance(read, dict)
            and read.keys() == written.keys()
            and all(same(read[key], item) for key, item in written.items())
        )
    if isinstance(written, list):
        return isinstance(read, list) and len(read) == len(written) and all(map(same, read, written))
    if isinstance(written, bool | str) or written is None:
        return type(read) is type(written) and read == written
    return isinstance(read, int | float) and not isinstance(read, bool) and read == written


@pytest.fixture
def world(aws) -> dict[str, str]:
    """A node of the owner's, shared with a secondary, in a node group of the owner's; the
    invitee of every request the examples make has a user row."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for claims in (OWNER, SECONDARY, INVITEE):
        user_store.put(User(claims["sub"], claims["email"], 0))
    register = {"node_id": NODE_ID, "name": "Thing", "type": "t", "secret": SECRET,
                "config": {"info": {}, "devices": [DEVICE]}}  # fmt: skip
    ok("register_node", OPERATOR, body=register)
    claimed = call("claim_node", claims=OWNER, body=json.dumps({"userID": "u-1", "thingPassword": SECRET}),
                   path_params={"node_id": NODE_ID})  # fmt: skip
    assert claimed["statusCode"] == 204
    shared = ok("share_nodes", OWNER, body={"nodes": [NODE_ID], "user_name": SECONDARY["email"]})
    ok("update_share_request", SECONDARY, body={"accept": True, "request_id": shared["request_id"]})
    group = ok("create_node_group", OWNER, body={"group_name": "Home", "nodes": [NODE_ID]})
    return {"group_id": group["group_id"]}


# --- the writing routes: each stores `value`, reads it back if accepted, and says whether it was ------

Writer = Callable[[dict[str, str], Any], bool]


def write_params(world: dict[str, str], value: Any) -> bool:
    """A params write, and the same params as a correction of the archive: the two are checked
    alike, and what either keeps the archive gives back."""
    param = PARAM_FOR.get(type(value), "Extra")
    answer = request("set_node_params", OWNER, query=f"nodeid={NODE_ID}", body={"Thing": {param: value}})
    params = ok("get_node_params", SECONDARY, query=f"nodeid={NODE_ID}")
    if answer["status"] == 200:
        assert same(params["Thing"][param], value), (params, value)
        [newest] = ok("list_params_history", SECONDARY, query=f"node_id={NODE_ID}&num_records=1")["history"]
        assert same(newest["params"], {"Thing": {param: value}}), (newest, value)
    correction = {"timestamp": int(time.time() * 1000), "params": {"Thing": {param: value}}}
    corrected = request("correct_params_history", SECONDARY, query=f"node_id={NODE_ID}", body=correction)
    assert (corrected["status"] == 201) == (answer["status"] == 200), (answer, corrected, value)
    if corrected["status"] == 201:
        listed = ok("list_params_history", OWNER, query=f"node_id={NODE_ID}&num_records=100")["history"]
        [shown] = [record for record in listed if record["id"] == corrected["body"]["id"]]
        assert same(shown["params"], {"Thing": {param: value}}), (shown, value)
    return answer["status"] == 200


def write_node_metadata(world: dict[str, str], value: Any) -> bool:
    from nodeshare.domain.node_details import merge_metadata

    ok("update_user_node", OWNER, query=f"node_id={NODE_ID}", body={"metadata": None})
    answer = request("update_user_node", OWNER, query=f"node_id={NODE_ID}", body={"metadata": {"k": value}})
    [details] = ok("list_user_nodes", SECONDARY, query=f"node_details=true&node_id={NODE_ID}")["node_details"]
    if answer["status"] == 200:
        assert same(details["metadata"], merge_metadata({}, {"k": value})), (details["metadata"], value)
    return answer["status"] == 200


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"v": value}


def write_share_metadata(world: dict[str, str], value: Any) -> bool:
    body = {"nodes": [NODE_ID], "user_name": INVITEE["email"], "metadata": as_object(value)}
    answer = request("share_nodes", OWNER, body=body)
    if answer["status"] == 200:
        request_id = answer["body"]["request_id"]
        for claims, query in ((INVITEE, ""), (OWNER, "&primary_user=true")):
            [listed] = ok("list_share_requests", claims, query=f"request_id={request_id}{query}")[
                "sharing_requests"
            ]
            assert same(listed["metadata"], as_object(value)), (listed, value)
        ok("cancel_share_request", OWNER, query=f"request_id={request_id}")
    return answer["status"] == 200


def write_group_custom_data(world: dict[str, str], value: Any) -> bool:
    query = f"group_id={world['group_id']}"
    answer = request("edit_node_group", OWNER, query=query, body={"custom_data": as_object(value)})
    [shown] = ok("get_node_groups", OWNER, query=query)["groups"]
    if answer["status"] == 200:
        assert same(shown.get("custom_data", {}), as_object(value)), (shown, value)
    return answer["status"] == 200


def write_group_share_metadata(world: dict[str, str], value: Any) -> bool:
    body = {"groups": [world["group_id"]], "user_name": INVITEE["email"], "metadata": as_object(value)}
    answer = request("share_node_groups", OWNER, body=body)
    if answer["status"] == 200:
        request_id = answer["body"]["request_id"]
        for claims, query in ((INVITEE, ""), (OWNER, "&primary_user=true")):
            listed = ok("list_group_share_requests", claims, query=f"request_id={request_id}{query}")
            [shown] = listed["sharing_requests"]
            assert same(shown["metadata"], as_object(value)), (shown, value)
        ok("cancel_group_share_request", OWNER, query=f"request_id={request_id}")
    return answer["status"] == 200


def register_config(world: dict[str, str], value: Any) -> bool:
    node_id = f"reg{uuid.uuid4().hex[:10]}"
    config = {"info": as_object(value), "devices": [DEVICE]}
    body = {"node_id": node_id, "name": "Thing", "type": "t", "secret": SECRET, "config": config}
    answer = request("register_node", OPERATOR, body=body)
    if answer["status"] == 201:
        [node] = ok("list_admin_nodes", OPERATOR, query=f"node_id={node_id}")["nodes"]
        assert same(node["config"], config), (node["config"], config)
        assert same(ok("get_node_config", OPERATOR, query=f"nodeid={node_id}"), config)
    return answer["status"] == 201


WRITERS: list[Writer] = [write_params, write_node_metadata, write_share_metadata, write_group_custom_data,
           write_group_share_metadata, register_config]  # fmt: skip


def every_reader_answers(world: dict[str, str]) -> None:
    """Every route that shows stored JSON answers below 500, for each kind of reader."""
    ok("get_node_params", OWNER, query=f"nodeid={NODE_ID}")
    ok("get_node_params", OPERATOR, query=f"nodeid={NODE_ID}")
    for claims in (OWNER, SECONDARY, OPERATOR):
        ok("list_params_history", claims, query=f"node_id={NODE_ID}")
    ok("get_node_config", SECONDARY, query=f"nodeid={NODE_ID}")
    ok("list_user_nodes", OWNER)
    for claims in (OWNER, SECONDARY):
        ok("list_user_nodes", claims, query="node_details=true")
    ok("list_sharing", SECONDARY)
    ok("list_admin_nodes", OPERATOR, query="withScopes=true")
    for claims, query in ((INVITEE, ""), (OWNER, "primary_user=true")):
        ok("list_share_requests", claims, query=query)
        ok("list_group_share_requests", claims, query=query)
    ok("get_node_groups", OWNER, query=f"group_id={world['group_id']}&node_list=true&node_details=true")
    ok("list_group_sharing", OWNER, query=f"group_id={world['group_id']}&metadata=true")


accepted: Counter[str] = Counter()  # writes accepted, over all examples


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(writer=st.sampled_from(WRITERS), value=values)
# Every writer once with a plain value, whatever the random draws reach (they are many; 30 draws
# need not reach each with an accepted value).
@example(writer=write_params, value="plain")
@example(writer=write_node_metadata, value={"plain": 1})
@example(writer=write_share_metadata, value={"plain": 1})
@example(writer=write_group_custom_data, value={"plain": 1})
@example(writer=write_group_share_metadata, value={"plain": 1})
@example(writer=register_config, value={"plain": 1})
def examples(world: dict[str, str], writer: Writer, value: Any) -> None:
    if writer(world, value):  # (a refusal writes nothing: the readers at the end would show it)
        accepted[writer.__name__] += 1
        every_reader_answers(world)


def test_what_a_route_accepts_every_reader_gives_back(world):
    accepted.clear()
    examples(world)
    every_reader_answers(world)
    # the examples reached every writer with a value it accepted, not only refusals
    assert set(accepted) == {writer.__name__ for writer in WRITERS}, accepted
