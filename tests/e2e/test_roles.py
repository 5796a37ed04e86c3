"""Symphony roles on real requests, on a local stack whose clock stands on a Monday at 19:00 in
Tokyo (`CLOCK_OFFSET_SECONDS`): roles narrow a share user to what a permission whose term holds
allows, never widen, end at once when deleted or when the node changes primary, and are their
owner's alone."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.test_access_model import write_status
from tests.e2e.test_sharing import answer, share
from tests.support.client import LIGHT_CONFIG, Api, Caller

TOKYO = timezone(timedelta(hours=9))


def next_monday_at_19_in_tokyo() -> float:
    today = datetime.now(TOKYO)
    monday = (today + timedelta(days=7 - today.weekday())).replace(hour=19, minute=0, second=0, microsecond=0)
    return monday.timestamp()


OFFSET = int(next_monday_at_19_in_tokyo() - time.time())
INSIDE = {"weekly": {"days": ["mon"], "from": "16:00+09:00", "to": "20:00+09:00"}}
OUTSIDE = [
    {"weekly": {"days": ["sun", "tue"], "from": "16:00+09:00", "to": "20:00+09:00"}},  # other days
    {"everyday": {"from": "20:00+09:00", "to": "21:00+09:00"}},  # later today
    {"weekly": {"days": ["mon"], "from": "16:00Z", "to": "20:00Z"}},  # 01:00-05:00 Tuesday in Tokyo
]
MARCH_3 = {
    "once": {"from": "2026-03-03T00:00:00+09:00", "to": "2026-03-04T00:00:00+09:00"},
    "weekly": None,
    "everyday": None,
}
ACTIONS = [
    {"action_id": "on", "name": "Switch on", "params": {"Light": {"Power": True}}},
    {"action_id": "off", "name": "Switch off", "params": {"Light": {"Power": False}}},
]


# This module's local stack (tests/conftest.py) stands there.
LOCAL_STACK_ENV = {"CLOCK_OFFSET_SECONDS": str(OFFSET)}


@pytest.fixture
def monday(api: Api) -> Api:
    """The API of a stack whose clock says Monday, 19:00 in Tokyo (and on, as the tests run)."""
    return api


def shared_node(api: Api, owner: Caller, guest: Caller, **fields: Any) -> str:
    """A node of `owner`'s (with two actions) that `guest` has accepted a share of (rw)."""
    node_id = api.node(config={**LIGHT_CONFIG, "actions": ACTIONS}, **fields)
    assert api.claim(owner, node_id).status_code == 204
    assert answer(guest, share(owner, [node_id], guest.user_name)["request_id"], True).status_code == 200
    return node_id


def new_role(owner: Caller, name: str = "Kids") -> str:
    response = owner.post("/v1/user/roles", json={"roleName": name})
    assert response.status_code == 201, response.text
    return str(response.json()["roleId"])


def permit(
    owner: Caller, role_id: str, *, terms: list[Any], policy: str = "DeviceFullAccess", **on: str
) -> str:
    body = {**on, "policy": policy, "additional": {"term": terms, "location": [], "number": []}}
    response = owner.post(f"/v1/user/roles/{role_id}/permissions", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["permissionId"])


def assign(owner: Caller, user: Caller, *role_ids: str):
    return owner.put(
        "/v1/user/share_users/roles", json={"user_name": user.user_name, "roleIds": list(role_ids)}
    )


def run(caller: Caller, node_id: str, action_id: str) -> int:
    return caller.post(
        "/v1/user/nodes/actions", json={"node_id": node_id, "action_id": action_id}
    ).status_code


def explained(caller: Caller, node_id: str, action: str = "write") -> dict[str, Any]:
    response = caller.get(f"/v1/user/nodes/access?node_id={node_id}&action={action}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_share_user_is_allowed_inside_a_window_and_refused_outside(monday: Api):
    alice, bob = monday.user("alice"), monday.user("bob")
    node_id = shared_node(monday, alice, bob)
    assert write_status(bob, node_id) == 200  # no roles: the access model alone

    # When alice assigns bob a role whose only term holds on other days and at other hours
    role_id = new_role(alice)
    permit(alice, role_id, terms=OUTSIDE, thingId=node_id)
    assert assign(alice, bob, role_id).status_code == 200

    # Then bob may still read, but not write, and the explanation says why
    assert bob.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200
    assert write_status(bob, node_id) == 403
    refused = explained(bob, node_id)
    assert not refused["allowed"] and any("no role permission covers" in r for r in refused["reasons"])

    # When the role also holds on Mondays 16:00-20:00 in Tokyo (now, on the stack's clock)
    permission_id = permit(alice, role_id, terms=[INSIDE], thingId=node_id)
    assert write_status(bob, node_id) == 200
    allowed = explained(bob, node_id)
    assert allowed["allowed"]
    assert any(
        role_id in r and permission_id in r and "weekly mon 16:00-20:00 +09:00" in r
        for r in allowed["reasons"]
    )
    # and a narrowed user may not pass access on, even with rwp
    assert alice.put(
        "/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": bob.user_name, "primary": True}
    ).ok
    assert (
        bob.put(
            "/v1/user/permissions", json={"node_id": node_id, "user_name": alice.user_name, "permission": "r"}
        ).status_code
        == 403
    )
    assert bob.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": ["room:kids"]}).status_code == 403

    # Deleting the permission, then the role, allows less at once (never more)
    assert alice.delete(f"/v1/user/roles/{role_id}/permissions/{permission_id}").status_code == 200
    assert write_status(bob, node_id) == 403
    assert alice.delete(f"/v1/user/roles/{role_id}").status_code == 200
    assert write_status(bob, node_id) == 403
    # Clearing the assignment lifts the narrowing
    assert assign(alice, bob).status_code == 200
    assert write_status(bob, node_id) == 200


def test_an_action_permission_covers_that_action_only(monday: Api):
    alice, bob = monday.user("alice"), monday.user("bob")
    node_id, other = shared_node(monday, alice, bob), shared_node(monday, alice, bob)
    role_id = new_role(alice)
    permit(alice, role_id, terms=[], actionId=f"{node_id}/on")  # always
    permit(alice, role_id, terms=[], thingId=other)  # every action of the other node
    assert assign(alice, bob, role_id).status_code == 200

    # bob may run "on" on the node, not "off", nor write its params; the other node's permission does not help
    assert run(bob, node_id, "on") == 200
    assert run(bob, node_id, "off") == 403 and write_status(bob, node_id) == 403
    listed = bob.get(f"/v1/user/nodes/actions?node_id={node_id}").json()["actions"]
    assert [action["actionId"] for action in listed] == [f"{node_id}/on"]
    assert bob.get(f"/v1/user/nodes/params?nodeid={node_id}").json() == {
        "Light": {"Power": True, "Brightness": 10, "Name": "Light"}
    }
    # On the other node every action runs
    assert run(bob, other, "on") == 200 and run(bob, other, "off") == 200
    # The primary is never narrowed; an unknown action is a 404; a stranger learns nothing
    assert run(alice, node_id, "off") == 200 and run(alice, node_id, "dance") == 404
    stranger = monday.user("eve")
    assert run(stranger, node_id, "on") == 404 == run(stranger, "no-such-node", "on")
    assert stranger.get(f"/v1/user/nodes/actions?node_id={node_id}").status_code == 404


def test_a_new_primary_ends_the_assignment_at_once(monday: Api):
    alice, bob, carol = monday.user("alice"), monday.user("bob"), monday.user("carol")
    node_id = shared_node(monday, alice, bob)
    role_id = new_role(alice)
    permit(alice, role_id, terms=[INSIDE], thingId=node_id)
    assert assign(alice, bob, role_id).status_code == 200
    assert write_status(bob, node_id) == 200
    # When alice releases the node and carol claims it, bob's share and alice's roles count for nothing
    assert monday.reclaim(carol, node_id, released_by=alice).status_code == 204
    assert write_status(bob, node_id) == 404
    # and when carol shares it with bob, alice's roles do not narrow him on carol's node
    assert answer(bob, share(carol, [node_id], bob.user_name)["request_id"], True).status_code == 200
    assert run(bob, node_id, "off") == 200


def test_roles_are_their_owner_s_alone(monday: Api):
    alice, bob, eve = monday.user("alice"), monday.user("bob"), monday.user("eve")
    node_id = shared_node(monday, alice, bob)
    role_id = new_role(alice, "Cleaner")
    permission_id = permit(alice, role_id, terms=[MARCH_3], thingId=node_id)
    listed = alice.get("/v1/user/roles").json()["roleList"]
    assert [role["roleId"] for role in listed] == [role_id]
    [info] = listed
    assert info["roleName"] == "Cleaner" and info["userId"] == alice.user_id
    assert info["permissionList"] == [{
        "permissionId": permission_id, "roleId": role_id, "thingId": node_id, "actionId": None,
        "userId": alice.user_id,
        "additional": {"term": [MARCH_3], "location": [], "number": []}, "policy": "DeviceFullAccess",
    }]  # fmt: skip
    # Anyone else's role is a 404, exactly like a missing one
    for caller in (bob, eve):
        for method, path in (
            ("get", ""),
            ("put", ""),
            ("delete", ""),
            ("get", "/permissions"),
            ("delete", "/permissions"),
        ):
            body = {"roleName": "x"} if method == "put" else None
            foreign = getattr(caller, method)(f"/v1/user/roles/{role_id}{path}", json=body)
            missing = getattr(caller, method)(f"/v1/user/roles/rl-0000{path}", json=body)
            assert foreign.status_code == missing.status_code == 404
            assert foreign.json()["description"].replace(role_id, "X") == missing.json()[
                "description"
            ].replace("rl-0000", "X")
        assert assign(caller, bob, role_id).status_code == 404
    # Only the node's primary may name it in a permission (a secondary sees it: 403; a stranger: 404)
    own = new_role(bob)
    assert (
        bob.post(
            f"/v1/user/roles/{own}/permissions", json={"thingId": node_id, "policy": "DeviceFullAccess"}
        ).status_code
        == 403
    )
    eves = new_role(eve)
    assert (
        eve.post(
            f"/v1/user/roles/{eves}/permissions", json={"thingId": node_id, "policy": "DeviceFullAccess"}
        ).status_code
        == 404
    )
    # Assigning to a user without access, or to an unknown e-mail: the same answer
    unknown = alice.put(
        "/v1/user/share_users/roles", json={"user_name": "nobody@nodeshare.test", "roleIds": [role_id]}
    )
    no_access = assign(alice, eve, role_id)
    assert unknown.status_code == no_access.status_code == 404
    assert unknown.json()["description"].replace("nobody@nodeshare.test", "X") == no_access.json()[
        "description"
    ].replace(eve.user_name or "", "X")
    assert assign(alice, bob, role_id).status_code == 200
    assert alice.get(f"/v1/user/share_users/roles?user_name={bob.user_name}").json()["roleIds"] == [role_id]
    assert eve.get(f"/v1/user/share_users/roles?user_name={bob.user_name}").json()["roleIds"] == []
    # Renaming and deleting all
    assert (
        alice.put(f"/v1/user/roles/{role_id}", json={"roleName": "Cleaner (March)"}).json()["roleName"]
        == "Cleaner (March)"
    )
    assert alice.delete("/v1/user/roles").status_code == 200
    assert alice.get("/v1/user/roles").json() == {"roleList": []}


@pytest.mark.parametrize(
    "body",
    [
        {"policy": "DeviceFullAccess"},  # neither
        {"thingId": "N", "actionId": "N/on", "policy": "DeviceFullAccess"},  # both
        {"thingId": "N", "policy": "Everything"},
        {
            "thingId": "N",
            "policy": "DeviceFullAccess",
            "additional": {
                "term": [{"once": {"from": "2026-03-03T00:00:00", "to": "2026-03-04T00:00:00+09:00"}}]
            },
        },
        {
            "thingId": "N",
            "policy": "DeviceFullAccess",
            "additional": {
                "term": [{"once": {"from": "2026-03-04T00:00:00+09:00", "to": "2026-03-03T00:00:00+09:00"}}]
            },
        },
        {
            "thingId": "N",
            "policy": "DeviceFullAccess",
            "additional": {
                "term": [{"weekly": {"days": ["mon"], "from": "20:00+09:00", "to": "20:00+09:00"}}]
            },
        },
        {"thingId": "N", "policy": "DeviceFullAccess", "additional": {"location": [{"lat": 1}]}},
        {"thingId": "N", "policy": "DeviceFullAccess", "additional": {"number": [3]}},
        {"actionId": "N/no-such-action", "policy": "DeviceFullAccess"},
        {"thingId": "N", "policy": "DeviceFullAccess", "extra": 1},
    ],
    ids=[
        "neither",
        "both",
        "policy",
        "offset-missing",
        "from-after-to",
        "empty-window",
        "location",
        "number",
        "unknown-action",
        "unknown-field",
    ],
)
def test_bad_permissions_are_refused_and_write_nothing(monday: Api, body: dict[str, Any]):
    alice, bob = monday.user("alice"), monday.user("bob")
    node_id = shared_node(monday, alice, bob)
    role_id = new_role(alice)
    sent = {
        key: value.replace("N", node_id, 1)
        if isinstance(value, str) and key in ("thingId", "actionId")
        else value
        for key, value in body.items()
    }
    response = alice.post(f"/v1/user/roles/{role_id}/permissions", json=sent)
    unknown_action = str(body.get("actionId", "")).endswith("no-such-action")
    assert response.status_code == (404 if unknown_action else 400), response.text
    assert response.json()["status"] == "failure"
    assert alice.get(f"/v1/user/roles/{role_id}/permissions").json() == {"permissionList": []}


def test_other_bad_input_is_400(monday: Api):
    alice = monday.user("alice")
    role_id = new_role(alice)
    for response in (
        alice.post("/v1/user/roles", json={}),
        alice.post("/v1/user/roles", json={"roleName": ""}),
        alice.put(f"/v1/user/roles/{role_id}", json={"name": "x"}),
        alice.put("/v1/user/share_users/roles", json={"user_name": "not-an-email", "roleIds": []}),
        alice.put("/v1/user/share_users/roles", json={"user_name": "a@x.test", "roleIds": [role_id] * 11}),
        alice.get("/v1/user/share_users/roles"),
        alice.post("/v1/user/nodes/actions", json={"node_id": "n1"}),
        alice.get("/v1/user/nodes/actions"),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["status"] == "failure"
    assert alice.get(f"/v1/user/roles/{'x' * 3000}").status_code == 404


def test_the_same_primary_claiming_again_keeps_the_narrowing(monday: Api):
    alice, bob = monday.user("alice"), monday.user("bob")
    node_id = shared_node(monday, alice, bob)
    role_id = new_role(alice)
    permit(alice, role_id, terms=OUTSIDE, thingId=node_id)
    assert assign(alice, bob, role_id).status_code == 200
    assert write_status(bob, node_id) == 403
    # alice releases and claims again (a new epoch: bob's share ends), shares again: still narrowed
    assert monday.reclaim(alice, node_id, released_by=alice).status_code == 204
    assert write_status(bob, node_id) == 404
    assert answer(bob, share(alice, [node_id], bob.user_name)["request_id"], True).status_code == 200
    assert write_status(bob, node_id) == 403


@pytest.mark.parametrize(
    "policy, may",
    [
        ("DeviceFullAccess", {"read": False, "correct": False, "purge": False}),
        ("ArchiveReadOnly", {"read": True, "correct": False, "purge": False}),
        ("ArchiveReadWrite", {"read": True, "correct": True, "purge": False}),
        ("ArchiveFullAccess", {"read": True, "correct": True, "purge": True}),
    ],
)
def test_archive_access_per_policy(monday: Api, policy: str, may: dict[str, bool]):
    from tests.e2e.test_params_history import correct, history, purge

    alice, bob = monday.user("alice"), monday.user("bob")
    node_id = shared_node(monday, alice, bob)
    # bob holds rwp (purging needs it), narrowed by one role with this policy, always
    assert alice.put(
        "/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": bob.user_name, "primary": True}
    ).ok
    role_id = new_role(alice)
    permit(alice, role_id, terms=[], policy=policy, thingId=node_id)
    assert assign(alice, bob, role_id).status_code == 200
    stack_ms = (int(time.time()) + OFFSET) * 1000

    assert (history(bob, node_id).status_code == 200) is may["read"]
    assert (correct(bob, node_id, stack_ms - 1000, {"Light": {"Power": True}}).status_code == 201) is may[
        "correct"
    ]
    assert (purge(bob, node_id, 0, stack_ms).status_code == 200) is may["purge"]
    refused = [code for code in (history(bob, node_id).status_code,) if not may["read"]]
    assert all(code == 403 for code in refused)
