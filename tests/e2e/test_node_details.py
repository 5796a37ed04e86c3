"""Node tags and metadata (`PUT` / `DELETE /v1/user/nodes?node_id=`), share requests' `sub_role`,
and `transfer` with `new_role: primary`, over HTTP against the local stack."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.client import Api, Caller
from tests.support.local_stack import RunningStack

NODE_TABLES = ("nodeshare-nodes", "nodeshare-associations", "nodeshare-requests")


def details(caller: Caller, node_id: str) -> dict[str, Any]:
    response = caller.get(f"/v1/user/nodes?node_details=true&node_id={node_id}")
    assert response.status_code == 200, response.text
    [found] = response.json()["node_details"]
    return found


def add_tags(caller: Caller, node_id: str, *tags: str) -> requests.Response:
    return caller.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": list(tags)})


def remove_tags(caller: Caller, node_id: str, *tags: str) -> requests.Response:
    return caller.delete(f"/v1/user/nodes?node_id={node_id}", json={"tags": list(tags)})


def set_metadata(caller: Caller, node_id: str, metadata: Any) -> requests.Response:
    return caller.put(f"/v1/user/nodes?node_id={node_id}", json={"metadata": metadata})


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body  # exact lower case: what the CLI compares
    return body


def seed_secondary(stack: RunningStack, node_id: str, caller: Caller, level: str) -> None:
    """What accepting a share at `level` writes (the node's first epoch is 1)."""
    stack.aws("dynamodb").put_item(
        TableName="nodeshare-associations",
        Item={
            "node_id": {"S": node_id},
            "user_id": {"S": caller.user_id},
            "user_name": {"S": caller.user_name},
            "role": {"S": "secondary"},
            "level": {"S": level},
            "epoch": {"N": "1"},
            "created_at": {"N": "0"},
        },
    )


def snapshot(stack: RunningStack) -> dict[str, list[str]]:
    dynamodb = stack.aws("dynamodb")
    return {
        table: sorted(json.dumps(item, sort_keys=True) for item in dynamodb.scan(TableName=table)["Items"])
        for table in NODE_TABLES
    }


# --- who may change tags and metadata ----------------------------------------------------------------

CALLERS = ("anonymous", "stranger", "reader", "secondary", "rwp", "primary", "operator")
EXPECTED = dict(zip(CALLERS, (401, 404, 403, 403, 200, 200, 403), strict=True))
CHANGES = {
    "add_tags": lambda caller, node_id: add_tags(caller, node_id, "room:kitchen"),
    "remove_tags": lambda caller, node_id: remove_tags(caller, node_id, "seeded:tag"),
    "set_metadata": lambda caller, node_id: set_metadata(caller, node_id, {"room": "kitchen"}),
    "delete_metadata": lambda caller, node_id: set_metadata(caller, node_id, None),
}


@pytest.fixture(scope="module")
def callers(api: Api) -> dict[str, Caller]:
    return {
        "anonymous": api.anonymous,
        **{kind: api.user(kind) for kind in ("stranger", "reader", "secondary", "rwp", "primary")},
        "operator": api.operator,
    }


@pytest.mark.parametrize("caller_kind", CALLERS)
@pytest.mark.parametrize("change", CHANGES)
def test_only_the_primary_and_rwp_users_change_tags_and_metadata(
    api: Api, callers: dict[str, Caller], local_stack: RunningStack, change: str, caller_kind: str
):
    # Given a node with a tag and metadata, a reader (r), a secondary (rw) and an rwp user
    primary = callers["primary"]
    node_id = api.node(tags=["seeded:tag"])
    assert api.claim(primary, node_id).status_code == 204
    ok(set_metadata(primary, node_id, {"seeded": True}))
    for kind, level in (("reader", "r"), ("secondary", "rw"), ("rwp", "rwp")):
        seed_secondary(local_stack, node_id, callers[kind], level)
    before = api.admin_view(node_id)

    # When this kind of caller changes the node's tags or metadata
    response = CHANGES[change](callers[caller_kind], node_id)

    # Then it gets exactly the expected status, in the error shape when refused
    assert response.status_code == EXPECTED[caller_kind], response.text
    after = api.admin_view(node_id)
    if response.status_code == 200:
        assert response.json()["status"] == "success"
        assert (after["tags"], after["metadata"]) != (before["tags"], before["metadata"])
    else:
        body = response.json()
        assert body["status"] == "failure" and body["error_code"] and body["description"]
        # and a refusal changed nothing
        assert (after["tags"], after["metadata"]) == (before["tags"], before["metadata"])


def test_a_stranger_cannot_tell_a_foreign_node_from_a_missing_one(api: Api, callers: dict[str, Caller]):
    foreign = api.owned_node(callers["primary"])
    stranger = callers["stranger"]
    for change in CHANGES.values():
        seen, unseen = change(stranger, foreign), change(stranger, "nosuchnode9")
        assert seen.status_code == unseen.status_code == 404
        assert seen.json()["description"].replace(foreign, "X") == unseen.json()["description"].replace(
            "nosuchnode9", "X"
        )


# --- tags ------------------------------------------------------------------------------------------


def test_tags_are_added_as_a_set_removed_and_shown_to_every_reader(api: Api, local_stack: RunningStack):
    alice, reader = api.user("alice"), api.user("reader")
    node_id = api.owned_node(alice)
    seed_secondary(local_stack, node_id, reader, "r")

    assert ok(add_tags(alice, node_id, "location:pune", "name:esp"))["tags"] == ["location:pune", "name:esp"]
    # adding a tag the node has changes nothing; new ones go after the old, in order
    body = ok(add_tags(alice, node_id, "name:esp", "floor:2", "floor:2"))
    assert body["tags"] == ["location:pune", "name:esp", "floor:2"]
    # nodeid= works as well as node_id=, and any non-empty string is a tag
    ok(alice.put(f"/v1/user/nodes?nodeid={node_id}", json={"tags": ["no colon here"]}))
    assert details(reader, node_id)["tags"] == ["location:pune", "name:esp", "floor:2", "no colon here"]

    # removing: the tags named go, a tag the node has not is no error
    body = ok(remove_tags(alice, node_id, "location:pune", "never:there", "no colon here"))
    assert body["tags"] == ["name:esp", "floor:2"]
    assert details(alice, node_id)["tags"] == ["name:esp", "floor:2"]
    assert api.admin_view(node_id)["tags"] == ["name:esp", "floor:2"]


def test_a_node_holds_at_most_fifty_tags(api: Api, local_stack: RunningStack):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    ok(add_tags(alice, node_id, *(f"t:{index}" for index in range(49))))
    before = snapshot(local_stack)

    # adding two more would make 51: refused whole, nothing written
    refused = add_tags(alice, node_id, "t:49", "t:50")
    assert refused.status_code == 400 and refused.json()["error_code"] == 107001
    assert snapshot(local_stack) == before
    # one more makes 50: fine
    assert len(ok(add_tags(alice, node_id, "t:49"))["tags"]) == 50


def test_racing_tag_changes_both_land(api: Api, local_stack: RunningStack):
    """No lost update: two users adding different tags at the same moment both find theirs."""
    alice, helper = api.user("alice"), api.user("helper")
    node_id = api.owned_node(alice)
    seed_secondary(local_stack, node_id, helper, "rwp")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_number in range(6):
            mine, theirs = f"alice:{round_number}", f"helper:{round_number}"
            futures = [
                pool.submit(add_tags, alice, node_id, mine),
                pool.submit(add_tags, helper, node_id, theirs),
            ]
            assert [future.result().status_code for future in futures] == [200, 200]
            assert {mine, theirs} <= set(api.admin_view(node_id)["tags"])


# --- metadata --------------------------------------------------------------------------------------


def test_metadata_merges_shadow_style_and_null_deletes(api: Api, local_stack: RunningStack):
    alice, reader = api.user("alice"), api.user("reader")
    node_id = api.owned_node(alice)
    seed_secondary(local_stack, node_id, reader, "r")
    assert details(reader, node_id)["metadata"] == {}

    first = {"room": {"name": "kitchen", "floor": 1}, "lamps": [1, 2, 3], "owner": "alice"}
    assert ok(set_metadata(alice, node_id, first))["metadata"] == first
    # keys merge at every level, null deletes, arrays are overwritten
    patch = {"room": {"floor": None, "lights": 2}, "lamps": [9], "owner": None, "ratio": 0.25}
    merged = {"room": {"name": "kitchen", "lights": 2}, "lamps": [9], "ratio": 0.25}
    assert ok(set_metadata(alice, node_id, patch))["metadata"] == merged
    assert details(reader, node_id)["metadata"] == merged
    # `node delete-metadata --key room,ratio` sends nulls for those keys
    assert ok(set_metadata(alice, node_id, {"room": None, "ratio": None}))["metadata"] == {"lamps": [9]}
    # an empty object changes nothing
    assert ok(set_metadata(alice, node_id, {}))["metadata"] == {"lamps": [9]}
    # `node delete-metadata` without --key sends null: everything goes
    assert ok(set_metadata(alice, node_id, None))["metadata"] == {}
    assert details(alice, node_id)["metadata"] == {}
    assert api.admin_view(node_id)["metadata"] == {}


def test_tags_and_metadata_may_change_in_one_request(api: Api):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    body = ok(alice.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": ["a:b"], "metadata": {"k": 1}}))
    assert (body["tags"], body["metadata"]) == (["a:b"], {"k": 1})


def test_metadata_past_eight_kilobytes_after_the_merge_is_refused(api: Api, local_stack: RunningStack):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    ok(set_metadata(alice, node_id, {"a": "x" * 5000}))
    before = snapshot(local_stack)
    refused = set_metadata(alice, node_id, {"b": "y" * 5000})
    assert refused.status_code == 400 and "8192" in refused.json()["description"]
    assert snapshot(local_stack) == before
    # replacing the big value instead fits
    ok(set_metadata(alice, node_id, {"a": None, "b": "y" * 5000}))


def raw(text: str) -> dict[str, Any]:
    return {"data": text, "headers": {"content-type": "application/json"}}


def bad_bodies() -> list[tuple[str, dict[str, Any]]]:
    """(method, requests kwargs) for `…/nodes?node_id=<node>` that must be a 400 writing nothing."""
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(8):
        deep = {"d": deep}
    return [
        # tags
        ("PUT", {"json": {"tags": []}}),
        ("PUT", {"json": {"tags": [""]}}),
        ("PUT", {"json": {"tags": ["t" * 129]}}),
        ("PUT", {"json": {"tags": "a:b"}}),
        ("PUT", {"json": {"tags": [1]}}),
        ("PUT", {"json": {"tags": [f"t:{index}" for index in range(51)]}}),
        ("PUT", raw('{"tags": ["\\ud800"]}')),
        ("DELETE", {"json": {"tags": []}}),
        ("DELETE", {"json": {"tags": "a:b"}}),
        ("DELETE", {"json": {}}),
        ("DELETE", {}),
        # metadata: not an object
        ("PUT", {"json": {"metadata": [1, 2]}}),
        ("PUT", {"json": {"metadata": "text"}}),
        ("PUT", {"json": {"metadata": 5}}),
        # metadata DynamoDB could not store or give back
        ("PUT", {"json": {"metadata": {"": 1}}}),
        ("PUT", {"json": {"metadata": {"a": {"": 1}}}}),
        ("PUT", {"json": {"metadata": {"k" * 65: 1}}}),
        ("PUT", raw('{"metadata": {"a": NaN}}')),
        ("PUT", raw('{"metadata": {"a": [Infinity]}}')),
        ("PUT", {"json": {"metadata": {"a": 1e200}}}),
        ("PUT", {"json": {"metadata": {"a": 1e-200}}}),
        ("PUT", raw('{"metadata": {"a": 1234567890123456789012345678901234567890}}')),
        ("PUT", raw('{"metadata": {"a": "\\udc00"}}')),
        ("PUT", {"json": {"metadata": deep}}),
        ("PUT", {"json": {"metadata": {"big": "x" * 9000}}}),
        # the body itself
        ("PUT", {"json": {}}),
        ("PUT", {"json": {"tags": ["a:b"], "owner": "me"}}),
        ("PUT", raw("{not json")),
        ("PUT", {}),
    ]


def test_bad_tags_and_metadata_are_a_400_that_writes_nothing(api: Api, local_stack: RunningStack):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    ok(alice.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": ["keep:me"], "metadata": {"keep": 1}}))
    before = snapshot(local_stack)
    failures = []
    for method, kwargs in bad_bodies():
        response = alice.request(method, f"/v1/user/nodes?node_id={node_id}", **kwargs)
        body = response.json()
        if response.status_code != 400 or body.get("status") != "failure" or not body.get("error_code"):
            failures.append((method, str(kwargs)[:80], response.status_code, response.text[:200]))
    # and without a node id
    for method in ("PUT", "DELETE"):
        response = alice.request(method, "/v1/user/nodes", json={"tags": ["a:b"]})
        if response.status_code != 400:
            failures.append((method, "no node_id", response.status_code, response.text[:200]))
    assert failures == []
    assert snapshot(local_stack) == before, "a refused request must not write anything"


# --- sub_role -------------------------------------------------------------------------------------


def share(sharer: Caller, node_id: str, invitee: Caller, path: str = "/v1/user/nodes/sharing", **options):
    body = {"nodes": [node_id], "user_name": invitee.user_name, **options}
    return ok(sharer.put(path, json=body))["request_id"]


def accept(caller: Caller, request_id: str) -> None:
    ok(caller.put("/v1/user/nodes/sharing/requests", json={"accept": True, "request_id": request_id}))


def pending(caller: Caller, sent: bool = False) -> dict[str, dict[str, Any]]:
    query = "?primary_user=true" if sent else ""
    listed = caller.get(f"/v1/user/nodes/sharing/requests{query}").json()["sharing_requests"]
    return {request["request_id"]: request for request in listed}


@pytest.mark.parametrize("path", ["/v1/user/nodes/sharing", "/v1/user/nodes/sharing/requests"])
def test_sub_role_goes_from_the_request_to_the_invitees_node_details(api: Api, path: str):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)

    # When alice shares with sub-role 2
    request_id = share(alice, node_id, bob, path, sub_role=2)

    # Then both sides see it on the request
    assert pending(bob)[request_id]["sub_role"] == 2
    assert pending(alice, sent=True)[request_id]["sub_role"] == 2
    assert alice.get(f"/v1/user/nodes/sharing/requests?request_id={request_id}").json()[
        "sharing_requests"
    ][0]["sub_role"] == 2  # fmt: skip

    # When bob accepts
    accept(bob, request_id)

    # Then bob's node details carry it, at the level a plain share gives (it changes no level)
    mine = details(bob, node_id)
    assert mine["sub_role"] == 2 and mine["role"] == "secondary" and mine["level"] == "rw"
    assert "sub_role" not in details(alice, node_id)
    assert bob.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": ["a:b"]}).status_code == 403

    # When alice shares again with another sub-role, then without one, it follows each share
    share(alice, node_id, bob, sub_role=4)
    assert details(bob, node_id)["sub_role"] == 4
    share(alice, node_id, bob)
    assert "sub_role" not in details(bob, node_id)


def test_a_request_without_sub_role_shows_none(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    request_id = share(alice, node_id, bob)
    assert "sub_role" not in pending(bob)[request_id]
    accept(bob, request_id)
    assert "sub_role" not in details(bob, node_id)


@pytest.mark.parametrize("sub_role", [0, 5, -1, "2", True, 2.5, None])
def test_a_sub_role_outside_1_to_4_is_a_400(api: Api, local_stack: RunningStack, sub_role: Any):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    before = snapshot(local_stack)
    body = {"nodes": [node_id], "user_name": bob.user_name, "sub_role": sub_role}
    for path in ("/v1/user/nodes/sharing", "/v1/user/nodes/sharing/requests"):
        response = alice.put(path, json=body)
        assert response.status_code == 400, response.text
    assert snapshot(local_stack) == before


def test_share_request_metadata_that_could_not_be_stored_is_a_400(api: Api, local_stack: RunningStack):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    before = snapshot(local_stack)
    body = {"nodes": [node_id], "user_name": bob.user_name, "metadata": {"": "empty key"}}
    assert alice.put("/v1/user/nodes/sharing", json=body).status_code == 400
    assert snapshot(local_stack) == before


# --- new_role primary -----------------------------------------------------------------------------


def test_transfer_with_new_role_primary_keeps_the_old_primary_with_rwp(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)

    # When alice transfers the node to bob, asking to stay on as "primary", and bob accepts
    request_id = share(alice, node_id, bob, transfer=True, new_role="primary")
    assert pending(bob)[request_id]["new_role"] == "primary"
    accept(bob, request_id)

    # Then bob is the primary, and alice an rwp secondary (a node has one primary)
    assert api.admin_view(node_id)["primary_user_id"] == bob.user_id
    assert details(bob, node_id)["primary"] is True
    mine = details(alice, node_id)
    assert (mine["role"], mine["primary"], mine["level"]) == ("secondary", False, "rwp")
    # who manages tags, and may share onwards
    ok(add_tags(alice, node_id, "still:managing"))
    accept(carol, share(alice, node_id, carol))
    assert details(carol, node_id)["role"] == "secondary"
    # but may not transfer what is no longer hers
    refused = alice.put(
        "/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": carol.user_name, "transfer": True}
    )
    assert refused.status_code == 403


def test_new_role_without_transfer_is_a_400(api: Api):
    """esp-rainmaker-cli 1.14.1 drops `--new_role` without `--transfer`; a client that sends it
    anyway is told, rather than having it ignored."""
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    body = {"nodes": [node_id], "user_name": bob.user_name, "new_role": "primary"}
    assert alice.put("/v1/user/nodes/sharing", json=body).status_code == 400
