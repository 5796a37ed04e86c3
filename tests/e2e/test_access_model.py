"""The access model end to end (SPEC §1.1, issue "one decision"): grants to users and user
groups combine with shared access by one rule, and every change counts on the very next request.

The stream is never delivered during this module (`STREAM_LAG_SECONDS`), so every refusal here
comes from the decision itself, never from the cascade having deleted something.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_sharing import answer, share
from tests.support.client import Api, Caller, unique_email

LOCAL_STACK_ENV = {"STREAM_LAG_SECONDS": "600"}
POWER_ON = [{"Light": {"Power": True}}]


def write_status(caller: Caller, node_id: str) -> int:
    return caller.put(f"/v1/user/nodes/params?nodeid={node_id}", json=POWER_ON[0]).status_code


def read_status(caller: Caller, node_id: str) -> int:
    return caller.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code


def grant(granter: Caller, node_id: str, permission: str, **subject: str):
    return granter.put("/v1/user/permissions", json={"node_id": node_id, "permission": permission, **subject})


def new_group(owner: Caller, *members: Caller) -> str:
    response = owner.post("/v1/user/groups", json={"name": "Family"})
    assert response.status_code == 201, response.text
    group_id = response.json()["group_id"]
    users = [member.user_name for member in members]
    assert owner.put(f"/v1/user/groups/{group_id}/users", json={"users": users}).status_code == 200
    return group_id


def shared_with(api: Api, sharer: Caller, user: Caller, node_id: str, **options: Any) -> None:
    request_id = share(sharer, [node_id], user.user_name or "", **options)["request_id"]
    assert answer(user, request_id, True).status_code == 200


def explain(caller: Caller, node_id: str, action: str = "read") -> dict:
    response = caller.get(f"/v1/user/nodes/access?node_id={node_id}&action={action}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_shared_rw_and_a_grant_of_r_is_r(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    shared_with(api, alice, bob, node_id)
    assert write_status(bob, node_id) == 200
    # When alice also grants bob `r` directly
    assert grant(alice, node_id, "r", user_name=bob.user_name).status_code == 200
    # Then the most restrictive wins: bob reads, but may no longer write
    assert read_status(bob, node_id) == 200 and write_status(bob, node_id) == 403
    explained = explain(bob, node_id, "write")
    assert explained["allowed"] is False and explained["level"] == "r"
    assert {source["kind"] for source in explained["sources"]} == {"association", "grant"}


def test_dr_through_a_group_denies_and_removal_from_the_group_restores_at_once(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert grant(alice, node_id, "rw", user_name=bob.user_name).status_code == 200
    group_id = new_group(alice, bob)
    assert grant(alice, node_id, "d/r", user_group=group_id).status_code == 200
    assert read_status(bob, node_id) == 403  # denied, though bob may know the node exists
    # When bob leaves the group, the deny no longer applies on the very next request
    remove = {"operation": "remove", "users": [bob.user_name]}
    assert alice.put(f"/v1/user/groups/{group_id}/users", json=remove).status_code == 200
    assert write_status(bob, node_id) == 200


def test_a_group_grant_counts_for_members_only_while_they_are_members(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    group_id = new_group(alice, bob, carol)
    assert grant(alice, node_id, "rw", user_group=group_id).status_code == 200
    assert write_status(bob, node_id) == 200 and write_status(carol, node_id) == 200
    # Replacing the members drops carol at once; deleting the group drops bob at once
    assert alice.put(f"/v1/user/groups/{group_id}/users", json={"users": [bob.user_name]}).status_code == 200
    assert read_status(carol, node_id) == 404 and write_status(bob, node_id) == 200
    assert alice.delete(f"/v1/user/groups/{group_id}").status_code == 200
    assert read_status(bob, node_id) == 404


def test_the_primary_is_never_restricted(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_id = new_group(bob, alice)  # bob's group, with alice in it
    shared_with(api, alice, bob, node_id, primary=True)
    # When bob (rwp) denies his group, alice among them, the node
    assert grant(bob, node_id, "dr", user_group=group_id).status_code == 200
    assert grant(alice, node_id, "dr", user_name=alice.user_name).status_code == 400  # not yourself
    assert write_status(alice, node_id) == 200
    assert explain(alice, node_id, "transfer")["level"] == "primary"


def test_deleting_a_grant_refuses_at_once(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert grant(alice, node_id, "r", user_name=bob.user_name).status_code == 200
    assert read_status(bob, node_id) == 200
    listed = alice.get(f"/v1/user/permissions?node_id={node_id}").json()["permissions"]
    assert listed == [
        {
            "user_name": bob.user_name,
            "permission": "r",
            "current": True,
            "created_at": listed[0]["created_at"],
        }
    ]
    assert (
        alice.delete(f"/v1/user/permissions?node_id={node_id}&user_name={bob.user_name}").status_code == 200
    )
    assert read_status(bob, node_id) == 404


def test_a_re_claim_or_a_transfer_cuts_every_grant_off_before_the_stream_runs(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    assert grant(alice, node_id, "rw", user_name=bob.user_name).status_code == 200
    group_id = new_group(alice, carol)
    assert grant(alice, node_id, "r", user_group=group_id).status_code == 200
    # When the node changes primary (a transfer to carol)
    request_id = share(alice, [node_id], carol.user_name or "", transfer=True)["request_id"]
    assert answer(carol, request_id, True).status_code == 200
    # Then bob's grant counts for nothing at once (the stream has not run)
    assert read_status(bob, node_id) == 404
    assert read_status(carol, node_id) == 200  # carol is primary now
    # and the old primary's password is no takeover key: claiming carol's node is refused
    assert api.claim(alice, node_id).status_code == 404
    assert read_status(carol, node_id) == 200


def test_a_grant_made_by_an_rwp_user_ends_when_that_user_loses_rwp(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    shared_with(api, alice, bob, node_id, primary=True)
    assert grant(bob, node_id, "rw", user_name=carol.user_name).status_code == 200
    assert grant(bob, node_id, "rwp", user_name=carol.user_name).status_code == 200  # up to its own level
    assert write_status(carol, node_id) == 200
    explained = explain(carol, node_id, "write")
    assert explained["sources"][0]["granted_by"] == [bob.user_id]
    # When alice removes bob
    assert (
        alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={bob.user_name}").status_code == 200
    )
    # Then what bob granted stops counting at once, and alice's list says so
    assert read_status(carol, node_id) == 404
    listed = alice.get(f"/v1/user/permissions?node_id={node_id}").json()["permissions"]
    assert [entry["current"] for entry in listed] == [False]


def test_grants_reach_the_node_list(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert grant(alice, node_id, "r", user_name=bob.user_name).status_code == 200
    listed = bob.get("/v1/user/nodes").json()
    assert listed["nodes"] == [node_id] and listed["total"] == 1


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_an_unknown_email_answers_like_a_known_one(api: Api, known: bool):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    user_name = api.user("bob").user_name if known else unique_email("nobody")
    granted = grant(alice, node_id, "r", user_name=user_name)
    assert granted.status_code == 200 and granted.json() == {
        "status": "success",
        "description": "Permission set",
    }
    group_id = alice.post("/v1/user/groups", json={"name": "G"}).json()["group_id"]
    added = alice.put(f"/v1/user/groups/{group_id}/users", json={"users": [user_name]})
    assert added.status_code == 200
    assert added.json()["users"] == [{"user_name": user_name, "manager": False}]


CALLERS = ("anonymous", "stranger", "reader", "rwp", "primary", "operator")


@pytest.fixture(scope="module")
def cell(api: Api) -> dict[str, Any]:
    alice, reader, rwp, target = api.user("alice"), api.user("reader"), api.user("rwp"), api.user("target")
    node_id = api.owned_node(alice)
    shared_with(api, alice, reader, node_id)
    shared_with(api, alice, rwp, node_id, primary=True)
    callers = {
        "anonymous": api.anonymous,
        "stranger": api.user("stranger"),
        "reader": reader,
        "rwp": rwp,
        "primary": alice,
        "operator": api.operator,
    }
    return {"node_id": node_id, "callers": callers, "target": target.user_name}


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("PUT", "/v1/user/permissions", {"permission": "r"}, (401, 404, 403, 200, 200, 403)),
        ("GET", "/v1/user/permissions?node_id={node_id}", None, (401, 404, 403, 200, 200, 403)),
        (
            "DELETE",
            "/v1/user/permissions?node_id={node_id}&user_name={target}",
            None,
            (401, 404, 403, 200, 200, 403),
        ),
        ("GET", "/v1/user/nodes/access?node_id={node_id}&action=share", None, (401, 404, 200, 200, 200, 200)),
    ],
    ids=["grant", "list", "revoke", "explain"],
)
def test_every_kind_of_caller(
    cell: dict[str, Any], method: str, path: str, body: Any, expected: tuple[int, ...]
):
    for caller_kind, status in zip(CALLERS, expected, strict=True):
        caller: Caller = cell["callers"][caller_kind]
        json_body = (
            None if body is None else {**body, "node_id": cell["node_id"], "user_name": cell["target"]}
        )
        response = caller.request(method, path.format(**cell), json=json_body)
        assert response.status_code == status, (caller_kind, response.text)


def test_explaining_a_node_one_may_not_see_is_the_missing_node_answer(api: Api):
    alice, stranger = api.user("alice"), api.user("stranger")
    node_id = api.owned_node(alice)
    foreign = stranger.get(f"/v1/user/nodes/access?node_id={node_id}")
    missing = stranger.get("/v1/user/nodes/access?node_id=nosuchnode")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error_code"] == missing.json()["error_code"]


@pytest.mark.parametrize(
    "body",
    [
        {"node_id": "n", "permission": "x", "user_name": "a@x.test"},
        {"node_id": "n", "permission": "r"},
        {"node_id": "n", "permission": "r", "user_name": "a@x.test", "user_group": "ug-1"},
        {"node_id": "n", "permission": "r", "user_name": "a@x.test", "extra": 1},
        {"node_id": ["n"], "permission": "r", "user_name": "a@x.test"},
    ],
)
def test_bad_grants_are_400(api: Api, body: dict):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    response = alice.put(
        "/v1/user/permissions", json={**body, "node_id": node_id} if body["node_id"] == "n" else body
    )
    assert response.status_code == 400, response.text
    assert alice.get(f"/v1/user/permissions?node_id={node_id}").json()["permissions"] == []


def test_group_routes_for_every_kind_of_caller(api: Api):
    owner, manager, member, stranger = (
        api.user("owner"),
        api.user("manager"),
        api.user("member"),
        api.user("x"),
    )
    group_id = new_group(owner, member)
    body = {"users": [member.user_name], "managers": [manager.user_name]}
    assert owner.put(f"/v1/user/groups/{group_id}/users", json=body).status_code == 200
    path = f"/v1/user/groups/{group_id}"
    # Reading: owner, manager and member; a stranger and anonymous learn nothing
    for caller, status in (
        (owner, 200),
        (manager, 200),
        (member, 200),
        (stranger, 404),
        (api.anonymous, 401),
    ):
        assert caller.get(path).status_code == status
        assert caller.get(path + "/users").status_code == status
    # Changing members: owner and manager; managers: owner only
    add = {"operation": "add", "users": [unique_email()]}
    assert manager.put(path + "/users", json=add).status_code == 200
    assert member.put(path + "/users", json=add).status_code == 403
    assert stranger.put(path + "/users", json=add).status_code == 404
    assert manager.put(path + "/users", json={**add, "managers": []}).status_code == 403
    # Renaming and deleting: the owner only
    assert manager.put(path, json={"name": "Mine"}).status_code == 403
    assert owner.put(path, json={"name": "Renamed"}).json()["group"]["name"] == "Renamed"
    assert member.get(path).json()["name"] == "Renamed"
    assert member.delete(path).status_code == 403
    listed = member.get("/v1/user/groups").json()["groups"]
    assert [group["group_id"] for group in listed] == [group_id]
    assert owner.delete(path).status_code == 200
    assert member.get(path).status_code == 404 and member.get("/v1/user/groups").json()["groups"] == []
