"""RainMaker node sharing over HTTP (issue 3): requests, accept / decline / cancel, listing,
removing users, transfer, and what each kind of caller may do."""

from __future__ import annotations

from tests.support import seed
from tests.support.client import Api, Caller, unique_email
from tests.support.local_stack import RunningStack


def share(sharer: Caller, nodes: list[str], invitee: str, **options) -> dict:
    response = sharer.put("/v1/user/nodes/sharing", json={"nodes": nodes, "user_name": invitee, **options})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    return response.json()


def answer(caller: Caller, request_id: str, accept: bool):
    return caller.put("/v1/user/nodes/sharing/requests", json={"accept": accept, "request_id": request_id})


def received(caller: Caller) -> list[dict]:
    return caller.get("/v1/user/nodes/sharing/requests").json()["sharing_requests"]


def sent(caller: Caller) -> list[dict]:
    return caller.get("/v1/user/nodes/sharing/requests?primary_user=True").json()["sharing_requests"]


def sharing_users(caller: Caller, node_id: str) -> dict:
    return caller.get(f"/v1/user/nodes/sharing?node_id={node_id}").json()["node_sharing"][0]["users"]


def params_status(caller: Caller, node_id: str) -> int:
    return caller.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code


def test_share_accept_and_use_as_a_secondary(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_a, node_b = api.owned_node(alice), api.owned_node(alice)

    # When alice shares two nodes with bob
    request_id = share(alice, [node_a, node_b], bob.user_name)["request_id"]

    # Then both see the pending request, with what the CLI prints
    [incoming] = received(bob)
    assert incoming["request_id"] == request_id and incoming["request_status"] == "pending"
    assert sorted(incoming["node_ids"]) == sorted([node_a, node_b])
    assert incoming["primary_user_name"] == alice.user_name and incoming["user_name"] == bob.user_name
    assert isinstance(incoming["request_timestamp"], int)
    assert [item["request_id"] for item in sent(alice)] == [request_id]
    assert params_status(bob, node_a) == 404, "no access before accepting"

    # When bob accepts
    accepted = answer(bob, request_id, True)
    assert accepted.status_code == 200 and accepted.json()["status"] == "success"

    # Then bob reads and writes params as a secondary (rw) and lists the nodes
    assert params_status(bob, node_a) == 200
    write = bob.put(
        "/v1/user/nodes/params", json=[{"node_id": node_a, "payload": {"Light": {"Power": True}}}]
    )
    assert write.status_code == 200
    assert sorted(bob.get("/v1/user/nodes").json()["nodes"]) == sorted([node_a, node_b])
    details = bob.get(f"/v1/user/nodes?node_details=true&node_id={node_a}").json()["node_details"][0]
    assert details["role"] == "secondary" and details["primary"] is False
    # but cannot share further
    assert (
        bob.put("/v1/user/nodes/sharing", json={"nodes": [node_a], "user_name": unique_email()}).status_code
        == 403
    )
    # and the request no longer shows as pending on either side
    assert received(bob) == [] and sent(alice) == []
    # sharing details: alice sees bob; bob sees alice and himself
    expected = {"node_id": node_a, "users": {"primary": [alice.user_name], "secondary": [bob.user_name]}}
    assert alice.get(f"/v1/user/nodes/sharing?node_id={node_a}").json() == {"node_sharing": [expected]}
    assert bob.get(f"/v1/user/nodes/sharing?node_id={node_a}").json() == {"node_sharing": [expected]}


def test_decline_and_cancel(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    declined = share(alice, [node_id], bob.user_name)["request_id"]
    assert answer(bob, declined, False).status_code == 200
    assert params_status(bob, node_id) == 404
    again = answer(bob, declined, True)
    assert again.status_code == 409 and again.json()["status"] == "failure"

    cancelled = share(alice, [node_id], bob.user_name)["request_id"]
    assert bob.delete(f"/v1/user/nodes/sharing/requests?request_id={cancelled}").status_code == 404
    assert alice.delete(f"/v1/user/nodes/sharing/requests?request_id={cancelled}").status_code == 200
    assert answer(bob, cancelled, True).status_code == 409
    assert received(bob) == [] and params_status(bob, node_id) == 404


def test_only_the_invitee_may_answer_and_strangers_learn_nothing(api: Api):
    alice, bob, mallory = api.user("alice"), api.user("bob"), api.user("mallory")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    for caller in (mallory, alice):
        refused = answer(caller, request_id, True)
        assert refused.status_code == 404 and refused.json()["error_code"] == 107060
    assert mallory.get(f"/v1/user/nodes/sharing/requests?request_id={request_id}").status_code == 404
    assert answer(mallory, "nosuchrequest", True).json() == {
        **refused.json(), "description": "Request nosuchrequest not found"
    }  # fmt: skip
    assert answer(bob, request_id, True).status_code == 200


def test_an_unknown_email_gets_the_same_answer_as_a_known_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    known = share(alice, [node_id], bob.user_name)
    unknown = share(alice, [node_id], unique_email("nobody"))
    assert known.keys() == unknown.keys() and known["description"] == unknown["description"]
    assert len(known["request_id"]) == len(unknown["request_id"])


def test_sharing_mistakes_are_clear_errors(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    mine, foreign = api.owned_node(alice), api.owned_node(bob)
    cases = [
        ({"nodes": [mine], "user_name": alice.user_name}, 400),  # self-share
        ({"nodes": [mine, foreign], "user_name": unique_email()}, 404),  # a node alice does not control
        ({"nodes": ["nosuchnode"], "user_name": unique_email()}, 404),
        ({"nodes": [], "user_name": unique_email()}, 400),
        ({"nodes": [f"n{i}" for i in range(101)], "user_name": unique_email()}, 400),
        ({"nodes": [mine], "user_name": "not-an-email"}, 400),
        ({"nodes": mine, "user_name": unique_email()}, 400),
        (
            {"nodes": [mine], "user_name": unique_email(), "new_role": "secondary"},
            400,
        ),  # new_role needs transfer
    ]
    for body, status in cases:
        response = alice.put("/v1/user/nodes/sharing", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["status"] == "failure" and isinstance(response.json()["error_code"], int)
    assert sent(alice) == []


def test_sharing_with_someone_who_has_access_updates_it(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert answer(bob, share(alice, [node_id], bob.user_name)["request_id"], True).status_code == 200

    # When alice shares again "as primary" (rwp), bob's level changes without a new request
    share(alice, [node_id], bob.user_name, primary=True)
    assert received(bob) == []
    details = bob.get(f"/v1/user/nodes?node_details=true&node_id={node_id}").json()["node_details"][0]
    assert details["level"] == "rwp"
    # and now bob may share further
    carol = api.user("carol")
    assert answer(carol, share(bob, [node_id], carol.user_name)["request_id"], True).status_code == 200
    # yet, a secondary like any other, he sees only the primary and himself (SPEC §3.1)
    assert sharing_users(bob, node_id) == {"primary": [alice.user_name], "secondary": [bob.user_name]}
    assert sorted(sharing_users(alice, node_id)["secondary"]) == sorted([bob.user_name, carol.user_name])
    # and may still remove a user he names
    removal = f"/v1/user/nodes/sharing?nodes={node_id}&user_name={carol.user_name}"
    assert bob.delete(removal).status_code == 200
    assert sharing_users(alice, node_id) == {"primary": [alice.user_name], "secondary": [bob.user_name]}


def test_remove_user_by_primary_and_by_oneself(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    for user in (bob, carol):
        assert answer(user, share(alice, [node_id], user.user_name)["request_id"], True).status_code == 200

    # A secondary cannot remove another secondary, but can remove itself
    assert (
        carol.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={bob.user_name}").status_code == 403
    )
    assert (
        carol.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={carol.user_name}").status_code == 200
    )
    assert params_status(carol, node_id) == 404 and params_status(bob, node_id) == 200

    # The primary removes bob
    assert (
        alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={bob.user_name}").status_code == 200
    )
    assert params_status(bob, node_id) == 404
    users = sharing_users(alice, node_id)
    assert users == {"primary": [alice.user_name], "secondary": []}
    # Nobody may remove the primary
    assert (
        alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={alice.user_name}").status_code == 400
    )


def test_transfer_makes_the_invitee_primary(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    assert answer(carol, share(alice, [node_id], carol.user_name)["request_id"], True).status_code == 200

    # When alice transfers the node to bob, staying on as a secondary
    request_id = share(alice, [node_id], bob.user_name, transfer=True, new_role="secondary")["request_id"]
    assert answer(bob, request_id, True).status_code == 200

    # Then bob is primary under a new epoch; alice is a secondary; carol (shared by the old
    # primary) is cut off at once
    assert api.admin_view(node_id)["primary_user_id"] == bob.user_id
    assert api.admin_view(node_id)["epoch"] == 2
    users = sharing_users(bob, node_id)
    assert users == {"primary": [bob.user_name], "secondary": [alice.user_name]}
    assert params_status(alice, node_id) == 200 and params_status(carol, node_id) == 404


def test_a_secondary_cannot_transfer(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert (
        answer(bob, share(alice, [node_id], bob.user_name, primary=True)["request_id"], True).status_code
        == 200
    )
    refused = bob.put(
        "/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": unique_email(), "transfer": True}
    )
    assert refused.status_code == 403


def test_a_new_claim_voids_pending_requests(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    assert api.reclaim(carol, node_id, released_by=alice).status_code == 204
    # The offer was made under the old epoch: accepting is refused (409; 404 once the stream
    # processor has deleted the request, left without nodes) and grants nothing
    accepted = answer(bob, request_id, True)
    assert (accepted.status_code, accepted.json()["error_code"]) in ((409, 107042), (404, 107060))
    assert params_status(bob, node_id) == 404


def test_request_lists_page_with_start_request_id(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    request_ids = sorted(share(alice, [api.owned_node(alice)], bob.user_name)["request_id"] for _ in range(3))
    first = bob.get("/v1/user/nodes/sharing/requests?num_records=2").json()
    assert [item["request_id"] for item in first["sharing_requests"]] == request_ids[:2]
    assert first["next_request_id"] == request_ids[1] and first["next_user_name"] == bob.user_name
    second = bob.get(
        f"/v1/user/nodes/sharing/requests?num_records=2&start_request_id={first['next_request_id']}"
        f"&start_user_name={first['next_user_name']}"
    ).json()
    assert [item["request_id"] for item in second["sharing_requests"]] == request_ids[2:]
    assert "next_request_id" not in second
    sent_page = alice.get("/v1/user/nodes/sharing/requests?primary_user=true&num_records=3").json()
    assert [item["request_id"] for item in sent_page["sharing_requests"]] == request_ids


def test_a_request_over_many_nodes_is_accepted_whole(api: Api, local_stack):
    # 100 nodes (the most one request takes): creating it writes 101 items and accepting it
    # 1 + 2 x 100, more than one transaction holds (100)
    alice, bob = api.user("alice"), api.user("bob")
    node_ids = seed.owned_nodes(local_stack, alice, 100)
    request_id = share(alice, node_ids, bob.user_name)["request_id"]
    assert sorted(received(bob)[0]["node_ids"]) == node_ids
    accepted = answer(bob, request_id, True)
    assert accepted.status_code == 200 and sorted(accepted.json()["node_ids"]) == node_ids
    listed = bob.get("/v1/user/nodes?num_records=100").json()
    assert listed["nodes"] == node_ids and listed["total"] == 100
    removed = alice.delete(f"/v1/user/nodes/sharing?nodes={','.join(node_ids)}&user_name={bob.user_name}")
    assert removed.status_code == 200
    assert bob.get("/v1/user/nodes").json()["nodes"] == []


def test_emails_are_compared_without_case(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name.upper())["request_id"]
    assert [item["request_id"] for item in received(bob)] == [request_id]
    self_share = {"nodes": [node_id], "user_name": alice.user_name.upper()}
    assert alice.put("/v1/user/nodes/sharing", json=self_share).status_code == 400
    assert api.log_in(bob.user_name.upper()).user_id == bob.user_id


def test_a_plus_in_an_email_reaches_the_api_intact(api: Api):
    alice = api.user("alice")
    plus = api.user("bob+lab")
    node_id = api.owned_node(alice)
    assert answer(plus, share(alice, [node_id], plus.user_name)["request_id"], True).status_code == 200
    # the CLI puts the e-mail into the query string raw
    removed = alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={plus.user_name}")
    assert removed.status_code == 200, removed.text
    assert params_status(plus, node_id) == 404


def node_item_agrees_with_its_rows(stack: RunningStack, node_id: str) -> set[str]:
    """The node item's `secondary_user_ids` (what listing sharing reads by key) must name exactly
    the secondaries whose association rows are of the node's current epoch, and `rwp_user_ids`
    (what the decision checks grantors against) exactly those at `rwp`; returns the first."""
    [node] = stack.partition("nodeshare-nodes", "node_id", node_id)
    epoch = int(node["epoch"]["N"])
    listed = set(node.get("secondary_user_ids", {}).get("SS", []))
    rows = [
        row
        for row in stack.partition("nodeshare-associations", "node_id", node_id)
        if row["role"]["S"] == "secondary" and int(row["epoch"]["N"]) == epoch
    ]
    assert listed == {row["user_id"]["S"] for row in rows}, (listed, rows)
    rwp = {row["user_id"]["S"] for row in rows if row["level"]["S"] == "rwp"}
    assert set(node.get("rwp_user_ids", {}).get("SS", [])) == rwp, (node, rows)
    return listed


def test_every_write_of_access_keeps_the_node_item_in_step(api: Api, local_stack: RunningStack):
    """Each way access changes — accept, update, remove, leave (two ways), transfer, release,
    claim — writes the node item's list of secondaries in the same transaction as the rows."""
    alice, bob, carol, dave, erin = (api.user(name) for name in ("alice", "bob", "carol", "dave", "erin"))
    node_id = api.owned_node(alice)
    assert node_item_agrees_with_its_rows(local_stack, node_id) == set()

    for user in (bob, carol, dave):  # accept
        assert answer(user, share(alice, [node_id], user.user_name)["request_id"], True).status_code == 200
    assert node_item_agrees_with_its_rows(local_stack, node_id) == {bob.user_id, carol.user_id, dave.user_id}
    share(alice, [node_id], bob.user_name, primary=True)  # update: the same secondaries
    assert node_item_agrees_with_its_rows(local_stack, node_id) == {bob.user_id, carol.user_id, dave.user_id}

    removal = f"/v1/user/nodes/sharing?nodes={node_id}&user_name="
    assert alice.delete(removal + bob.user_name).status_code == 200  # the primary removes bob
    assert carol.delete(removal + carol.user_name).status_code == 200  # carol leaves
    leave = {"node_id": node_id, "secret_key": "", "operation": "remove"}
    assert dave.put("/v1/user/nodes/mapping", json=leave).status_code == 200  # dave leaves
    assert node_item_agrees_with_its_rows(local_stack, node_id) == set()
    assert sharing_users(alice, node_id) == {
        "primary": [alice.user_name],
        "secondary": [],
    }

    # A transfer: erin becomes primary, alice stays as a secondary, carol's new access is cut off
    assert answer(carol, share(alice, [node_id], carol.user_name)["request_id"], True).status_code == 200
    transfer = share(alice, [node_id], erin.user_name, transfer=True, new_role="rw")["request_id"]
    assert answer(erin, transfer, True).status_code == 200
    assert node_item_agrees_with_its_rows(local_stack, node_id) == {alice.user_id}

    # Erin releases the node and bob claims it (he has its secret): a new epoch, nobody left a secondary
    assert api.reclaim(bob, node_id, released_by=erin).status_code == 204
    assert node_item_agrees_with_its_rows(local_stack, node_id) == set()
    assert bob.get("/v1/user/nodes/sharing").json()["node_sharing"] == [
        {"node_id": node_id, "users": {"primary": [bob.user_name], "secondary": []}}
    ]
    # Bob shares with carol (rwp), then releases the node: nobody is left
    rwp_share = share(bob, [node_id], carol.user_name, primary=True)["request_id"]
    assert answer(carol, rwp_share, True).status_code == 200
    assert node_item_agrees_with_its_rows(local_stack, node_id) == {carol.user_id}
    assert bob.put("/v1/user/nodes/mapping", json=leave).status_code == 200
    assert node_item_agrees_with_its_rows(local_stack, node_id) == set()
