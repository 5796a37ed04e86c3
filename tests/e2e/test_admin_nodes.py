"""Operators read and change one node (`GET | PUT /v1/admin/nodes/{node_id}`, issue 10), its scopes
above all: they decide who may claim a node nobody owns, and never touch its primary or
secondaries. Over HTTP against the local stack, as a client would."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.support.client import LIGHT_CONFIG, Api, Caller

NOT_FOUND = {
    "status": "failure",
    "description": "Node not found or thing password incorrect",
    "error_code": 107031,
}


def admin_get(api: Api, node_id: str, *, with_scopes: bool = True) -> dict[str, Any]:
    response = api.operator.get(f"/v1/admin/nodes/{node_id}", params={"withScopes": str(with_scopes).lower()})
    assert response.status_code == 200, response.text
    return response.json()


def put(api: Api, node_id: str, body: Any, **kwargs: Any):
    return api.operator.put(f"/v1/admin/nodes/{node_id}?withScopes=true", json=body, **kwargs)


def scopes(api: Api, node_id: str) -> dict[str, list[str]]:
    return admin_get(api, node_id)["scopes"]


def test_narrowed_scopes_refuse_a_claim_like_a_wrong_password_and_widening_allows_it(api: Api):
    node_id = api.node()
    user = api.user()
    # Given an operator narrows the node's user scope to someone else
    response = put(api, node_id, {"scopes": {"users": ["someone-else"]}})
    assert response.status_code == 200, response.text
    assert response.json()["scopes"] == {"users": ["someone-else"], "projects": []}
    # Then the user's claim with the right password is answered as a wrong password is
    refused = api.claim(user, node_id)
    assert (refused.status_code, refused.json()) == (404, NOT_FOUND)
    wrong = api.claim(user, node_id, secret="not-the-secret")
    assert (wrong.status_code, wrong.json()) == (404, NOT_FOUND)
    assert api.admin_view(node_id)["primary_user_id"] is None
    # When the operator adds the user to the scope
    response = put(api, node_id, {"scopes": {"users": [f"+{user.user_id}"]}})
    assert response.json()["scopes"]["users"] == ["someone-else", user.user_id]
    # Then the user may claim it
    assert api.claim(user, node_id).status_code == 204
    assert api.admin_view(node_id)["primary_user_id"] == user.user_id


def test_a_scope_change_on_a_claimed_node_leaves_its_primary_and_secondaries_alone(api: Api):
    owner, friend = api.user(), api.user()
    node_id = api.owned_node(owner)
    shared = owner.put("/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": friend.user_name})
    assert shared.status_code == 200, shared.text
    request_id = shared.json()["request_id"]
    accepted = friend.put("/v1/user/nodes/sharing/requests", json={"accept": True, "request_id": request_id})
    assert accepted.status_code == 200, accepted.text
    # When an operator scopes the node to nobody
    response = put(api, node_id, {"scopes": {"users": ["-all"], "projects": []}})
    assert response.status_code == 200, response.text
    assert response.json()["scopes"] == {"users": [], "projects": []}
    # Then the primary and the secondary still read and write it
    for caller in (owner, friend):
        assert caller.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200
        write = [{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
        written = caller.put("/v1/user/nodes/params", json=write)
        assert written.status_code == 200, written.text
    assert api.admin_view(node_id)["primary_user_id"] == owner.user_id


def at_once(api: Api, node_id: str, updates: list[dict[str, Any]]) -> list[int]:
    """Send each scopes update in its own thread, all released together; their statuses."""
    barrier = threading.Barrier(len(updates))
    statuses: list[int] = []

    def change(update: dict[str, Any]) -> None:
        barrier.wait()
        statuses.append(put(api, node_id, {"scopes": update}).status_code)

    threads = [threading.Thread(target=change, args=(update,)) for update in updates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_operators_add_and_remove_at_once_and_both_take_effect(api: Api):
    for round_ in range(5):
        node_id = api.node(scopes={"users": ["b", "c"], "projects": []})
        statuses = at_once(api, node_id, [{"users": ["+a"]}, {"users": ["-b"]}])
        assert statuses == [200, 200], f"round {round_}"
        assert sorted(scopes(api, node_id)["users"]) == ["a", "c"], f"round {round_}"


def test_get_and_put_show_scopes_only_with_scopes(api: Api):
    node_id = api.node()
    assert "scopes" not in admin_get(api, node_id, with_scopes=False)
    assert admin_get(api, node_id)["scopes"] == {"users": ["all"], "projects": []}
    listed = api.operator.get(f"/v1/admin/nodes?node_id={node_id}").json()["nodes"][0]
    assert listed == admin_get(api, node_id, with_scopes=False)
    hidden = api.operator.put(f"/v1/admin/nodes/{node_id}", json={"name": "Hall"})
    assert hidden.status_code == 200, hidden.text
    assert "scopes" not in hidden.json()
    assert hidden.json()["name"] == "Hall"


def test_put_changes_the_other_fields(api: Api):
    owner = api.user()
    node_id = api.node()
    new_config = {**LIGHT_CONFIG, "info": {**LIGHT_CONFIG["info"], "fw_version": "2.0"}}
    response = put(
        api,
        node_id,
        {
            "type": "Lamp",
            "tags": ["hall", "hall"],
            "config": new_config,
            "params": {"Light": {"Brightness": 5}},
        },
    )
    assert response.status_code == 200, response.text
    node = response.json()
    assert (node["type"], node["tags"], node["config"]) == ("Lamp", ["hall"], new_config)
    # the values the new config still accepts are kept, the given ones set over them
    assert node["params"] == {"Light": {"Power": False, "Brightness": 5, "Name": "Light"}}
    # params alone are set in place (read-only ones too: the operator is the device's maker)
    response = put(api, node_id, {"params": {"Light": {"Name": "Hall light"}}})
    assert response.json()["params"]["Light"] == {"Power": False, "Brightness": 5, "Name": "Hall light"}
    # a new secret replaces the old one
    assert put(api, node_id, {"secret": "new-thing-secret"}).status_code == 200
    assert api.claim(owner, node_id).status_code == 404
    assert api.claim(owner, node_id, secret="new-thing-secret").status_code == 204
    assert "secret" not in admin_get(api, node_id) and "secret_hash" not in admin_get(api, node_id)


DUPLICATE_ACTIONS = {
    **LIGHT_CONFIG,
    "actions": [
        {"action_id": "on", "name": "On", "params": {"Light": {"Power": True}}},
        {"action_id": "on", "name": "On again", "params": {"Light": {"Power": True}}},
    ],
}


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": {"users": ["a", "+b"]}},  # a mix of bare and prefixed entries
        {"scopes": {"users": ["+a", "-b"]}},  # both prefixes
        {"scopes": {"users": [f"u{i}" for i in range(101)]}},
        {"scopes": {"users": [f"+n{i}" for i in range(99)]}},  # 100 + 99 after the update
        {"scopes": {"groups": ["a"]}},
        {"owner": "me"},  # an unknown field
        {"node_id": "another"},  # the id is not changed
        {},  # nothing to change
        "",  # no body at all
        {"config": {"info": {}}},  # not a config
        {"config": DUPLICATE_ACTIONS},  # an action declared twice
        {"params": {"Fan": {"Speed": 1}}},  # a device the config lacks
        {"params": {"Light": {"Brightness": "bright"}}},  # the wrong type
        {"name": "Hall", "params": {"Light": {"Power": "yes"}}},  # one bad part refuses it all
        {"secret": "short"},
    ],
)
def test_bad_input_is_a_400_and_nothing_is_written(api: Api, body: Any):
    node_id = api.node(scopes={"users": [f"u{i}" for i in range(100)], "projects": []})
    before = admin_get(api, node_id)
    if body == "":
        response = api.operator.put(f"/v1/admin/nodes/{node_id}", data="")
    else:
        response = put(api, node_id, body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["status"] == "failure" and answer["error_code"] in (107001, 107002, 107003, 107004)
    assert admin_get(api, node_id) == before


def test_an_unknown_node_is_a_404(api: Api):
    assert api.operator.get("/v1/admin/nodes/nosuchnode").status_code == 404
    assert put(api, "nosuchnode", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("caller_kind", ["user", "owner", "anonymous"])
def test_only_operators_may_read_or_change_a_node(api: Api, caller_kind: str):
    node_id = api.node()
    caller: Caller
    if caller_kind == "anonymous":
        caller = api.anonymous
    else:
        caller = api.user()
        if caller_kind == "owner":
            assert api.claim(caller, node_id).status_code == 204
    before = admin_get(api, node_id)
    expected = 401 if caller_kind == "anonymous" else 403
    assert caller.get(f"/v1/admin/nodes/{node_id}").status_code == expected
    response = caller.put(f"/v1/admin/nodes/{node_id}", json={"scopes": {"users": ["+x"]}})
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error_code"] == 107021
    assert admin_get(api, node_id) == before
