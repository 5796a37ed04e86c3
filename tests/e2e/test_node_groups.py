"""Node groups (RainMaker `node_group`) on the one decision: a grant on a group reaches the nodes
in it now — a node added later is reachable, a removed one is not — and only while the group's
owner still holds the node (SPEC §1.1 step 2)."""

from __future__ import annotations

from tests.e2e.test_access_model import read_status, write_status
from tests.e2e.test_sharing import answer, share
from tests.support.client import Api, Caller


def group_grant(granter: Caller, group_id: str, permission: str, **subject: str):
    body = {"node_group": group_id, "permission": permission, **subject}
    return granter.put("/v1/user/permissions", json=body)


def create_group(owner: Caller, nodes: list[str], **fields) -> str:
    response = owner.post("/v1/user/node_group", json={"group_name": "Home", "nodes": nodes, **fields})
    assert response.status_code == 200, response.text
    return response.json()["group_id"]


def edit(owner: Caller, group_id: str, body: dict):
    return owner.put(f"/v1/user/node_group?group_id={group_id}", json=body)


def shown(caller: Caller, group_id: str, query: str = "node_list=true") -> dict:
    response = caller.get(f"/v1/user/node_group?group_id={group_id}&{query}")
    assert response.status_code == 200, response.text
    return response.json()["groups"][0]


def test_a_grant_on_a_group_follows_its_nodes(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    first, second, third = (api.owned_node(alice) for _ in range(3))
    group_id = create_group(alice, [first, second])
    assert group_grant(alice, group_id, "rw", user_name=bob.user_name).status_code == 200
    assert write_status(bob, first) == 200 and write_status(bob, second) == 200
    assert read_status(bob, third) == 404
    # A node added later is reachable; a removed one is not, at once
    assert edit(alice, group_id, {"nodes": [third], "operation": "add"}).status_code == 200
    assert edit(alice, group_id, {"nodes": [first], "operation": "remove"}).status_code == 200
    assert write_status(bob, third) == 200 and read_status(bob, first) == 404
    assert sorted(bob.get("/v1/user/nodes").json()["nodes"]) == sorted([second, third])
    # The group shows the nodes; the explanation names the group's grant
    assert sorted(shown(alice, group_id)["nodes"]) == sorted([second, third])
    sources = bob.get(f"/v1/user/nodes/access?node_id={second}").json()["sources"]
    assert [(source["kind"], source["subject"]) for source in sources] == [("grant", f"user:{bob.user_id}")]
    # Deleting the group cuts everything off at once
    assert alice.delete(f"/v1/user/node_group?group_id={group_id}").status_code == 200
    assert read_status(bob, second) == 404 and read_status(bob, third) == 404


def test_a_transferred_node_leaves_the_old_owner_s_group_grants(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])
    assert group_grant(alice, group_id, "r", user_name=bob.user_name).status_code == 200
    assert read_status(bob, node_id) == 200
    # When alice transfers the node to carol and stays on as rwp
    request_id = share(alice, [node_id], carol.user_name or "", transfer=True, new_role="rwp")["request_id"]
    assert answer(carol, request_id, True).status_code == 200
    # Then the group's grant no longer reaches it (it joined under the old epoch)
    assert read_status(bob, node_id) == 404


def test_only_nodes_the_caller_may_share_go_in(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    mine, hers = api.owned_node(bob), api.owned_node(alice)
    request_id = share(alice, [hers], bob.user_name or "")["request_id"]  # bob gets rw, not rwp
    assert answer(bob, request_id, True).status_code == 200
    refused = bob.post("/v1/user/node_group", json={"group_name": "G", "nodes": [mine, hers]})
    assert refused.status_code == 403
    missing = bob.post("/v1/user/node_group", json={"group_name": "G", "nodes": [mine, "nosuchnode"]})
    assert missing.status_code == 404
    assert bob.get("/v1/user/node_group").json()["groups"] == []


def test_group_routes_for_every_kind_of_caller(api: Api):
    alice, bob, stranger = api.user("alice"), api.user("bob"), api.user("stranger")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id], description="Upstairs", type="room", custom_data={"floor": 1})
    assert group_grant(alice, group_id, "r", user_name=bob.user_name).status_code == 200
    # The owner sees everything; bob (shared) sees the group and what he may read; others nothing
    assert shown(alice, group_id)["custom_data"] == {"floor": 1}
    assert shown(bob, group_id)["nodes"] == [node_id]
    assert [g["group_id"] for g in bob.get("/v1/user/node_group").json()["groups"]] == [group_id]
    for caller, status in ((stranger, 404), (api.anonymous, 401)):
        assert caller.get(f"/v1/user/node_group?group_id={group_id}").status_code == status
    # Only the owner edits, grants on or deletes it
    for caller, status in ((bob, 403), (stranger, 404), (api.operator, 403)):
        assert edit(caller, group_id, {"group_name": "Mine"}).status_code == status
        assert caller.delete(f"/v1/user/node_group?group_id={group_id}").status_code == status
        assert group_grant(caller, group_id, "r", user_name=stranger.user_name).status_code == status
    assert edit(alice, group_id, {"group_name": "Renamed"}).status_code == 200
    assert shown(bob, group_id)["group_name"] == "Renamed"
    # The owner lists the group's grants; a user it is shared with may not
    listed = alice.get(f"/v1/user/permissions?node_group={group_id}")
    assert listed.status_code == 200, listed.text
    assert [(g["user_name"], g["permission"]) for g in listed.json()["permissions"]] == [(bob.user_name, "r")]
    assert bob.get(f"/v1/user/permissions?node_group={group_id}").status_code == 403


def test_sub_groups_and_paging(api: Api):
    alice = api.user("alice")
    parent = create_group(alice, [])
    child = create_group(alice, [], parent_group_id=parent)
    others = [create_group(alice, []) for _ in range(2)]
    listed = alice.get("/v1/user/node_group?sub_groups=true").json()["groups"]
    by_id = {group["group_id"]: group for group in listed}
    assert set(by_id) == {parent, *others}  # top-level groups; the child is nested
    assert [sub["group_id"] for sub in by_id[parent]["sub_groups"]] == [child]
    first = alice.get("/v1/user/node_group?num_records=2").json()
    second = alice.get(f"/v1/user/node_group?num_records=2&start_id={first['next_id']}").json()
    assert len(first["groups"]) == 2 and len(second["groups"]) == 1 and "next_id" not in second


def test_bad_group_input_is_400_and_writes_nothing(api: Api):
    alice = api.user("alice")
    node_id = api.owned_node(alice)
    for body in (
        {},
        {"group_name": ""},
        {"group_name": "G", "nodes": "n"},
        {"group_name": "G", "custom_data": {"": 1}},
        {"group_name": "G", "unknown": 1},
        {"group_name": "G", "nodes": [node_id] * 100},
    ):
        assert alice.post("/v1/user/node_group", json=body).status_code == 400, body
    group_id = create_group(alice, [])
    assert edit(alice, group_id, {"nodes": [node_id]}).status_code == 400  # no operation
    assert alice.get("/v1/user/node_group").json()["total"] == 1
    assert shown(alice, group_id)["nodes"] == []


def test_a_group_defined_by_a_tag_follows_the_owner_s_tags(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    kitchen, hall, theirs = api.owned_node(alice), api.owned_node(alice), api.owned_node(bob)
    for owner, node_id in ((alice, kitchen), (bob, theirs)):
        assert (
            owner.put(f"/v1/user/nodes?node_id={node_id}", json={"tags": ["room:kitchen"]}).status_code == 200
        )
    group_id = create_group(alice, [], tag="room:kitchen")
    assert shown(alice, group_id)["nodes"] == [kitchen]  # alice's tagged nodes only
    assert group_grant(alice, group_id, "r", user_name=bob.user_name).status_code == 200
    assert read_status(bob, kitchen) == 200 and read_status(bob, hall) == 404
    # Tagging a node brings it in, untagging takes it out, at once
    assert alice.put(f"/v1/user/nodes?node_id={hall}", json={"tags": ["room:kitchen"]}).status_code == 200
    untag = alice.delete(f"/v1/user/nodes?node_id={kitchen}", json={"tags": ["room:kitchen"]})
    assert untag.status_code == 200
    assert read_status(bob, hall) == 200 and read_status(bob, kitchen) == 404
    assert shown(alice, group_id)["nodes"] == [hall]
    # Its nodes follow the tag only
    assert edit(alice, group_id, {"nodes": [kitchen], "operation": "add"}).status_code == 400
    both = alice.post("/v1/user/node_group", json={"group_name": "G", "tag": "a:b", "nodes": [hall]})
    assert both.status_code == 400
