"""RainMaker group sharing over HTTP (`/v1/user/node_group/sharing…`): a node group's owner shares
groups by request (7-day expiry, accept / decline / cancel, no enumeration), accepting grants the
group — a node added to it later is shared too, a node removed from it is not — and the owner
removes users or a user leaves (SPEC §1.1, §2 rules 2, 4, 5, 7, 8; §3.1).

The expiry boundary runs on a second stack of its own whose requests live `SHORT_TTL` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.test_access_model import grant, read_status, write_status
from tests.e2e.test_node_groups import create_group, edit, group_grant
from tests.e2e.test_sharing import answer as answer_node_share
from tests.e2e.test_sharing import share as share_nodes
from tests.support.client import PASSWORD, Api, Caller, unique_email
from tests.support.local_stack import start_local_stack, wait_for

SHARING = "/v1/user/node_group/sharing"
REQUESTS = f"{SHARING}/requests"
SEVEN_DAYS = 7 * 24 * 3600
SHORT_TTL = 3


def share(owner: Caller, groups: list[str], invitee: str, **options: Any) -> str:
    response = owner.put(SHARING, json={"groups": groups, "user_name": invitee, **options})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["description"]) == ("success", "Sharing request sent successfully")
    return str(body["request_id"])


def answer(caller: Caller, request_id: str, accept: bool) -> requests.Response:
    return caller.put(REQUESTS, json={"accept": accept, "request_id": request_id})


def cancel(caller: Caller, request_id: str) -> requests.Response:
    return caller.delete(f"{REQUESTS}?request_id={request_id}")


def received(caller: Caller, query: str = "") -> list[dict[str, Any]]:
    response = caller.get(f"{REQUESTS}?primary_user=false{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["sharing_requests"])


def sent(caller: Caller, query: str = "") -> list[dict[str, Any]]:
    response = caller.get(f"{REQUESTS}?primary_user=true{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["sharing_requests"])


def looked_up(caller: Caller, request_id: str) -> dict[str, Any]:
    response = caller.get(f"{REQUESTS}?request_id={request_id}")
    assert response.status_code == 200, response.text
    [request] = response.json()["sharing_requests"]
    return dict(request)


def sharing_of(caller: Caller, group_id: str, query: str = "") -> dict[str, Any]:
    response = caller.get(f"{SHARING}?group_id={group_id}{query}")
    assert response.status_code == 200, response.text
    [entry] = response.json()["group_sharing"]
    return dict(entry)


def remove(caller: Caller, groups: list[str], user_name: str) -> requests.Response:
    return caller.delete(SHARING, params={"groups": ",".join(groups), "user_name": user_name})


def shared_group(api: Api, owner: Caller, invitee: Caller, nodes: list[str], **options: Any) -> str:
    """A group of `nodes` that `invitee` has accepted a share of."""
    group_id = create_group(owner, nodes)
    request_id = share(owner, [group_id], invitee.user_name or "", **options)
    assert answer(invitee, request_id, True).status_code == 200
    return group_id


def test_accepting_grants_the_group_and_its_nodes_as_they_change(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    first, second, third = (api.owned_node(alice) for _ in range(3))
    group_id = create_group(alice, [first, second])

    # When alice shares the group with bob
    request_id = share(alice, [group_id], bob.user_name or "")

    # Then both see the pending request, with what the CLI prints
    [incoming] = received(bob)
    assert incoming["request_id"] == request_id and incoming["request_status"] == "pending"
    assert (incoming["group_ids"], incoming["group_names"]) == ([group_id], ["Home"])
    assert (incoming["primary_user_name"], incoming["user_name"]) == (alice.user_name, bob.user_name)
    assert incoming["user_role"] == "secondary" and isinstance(incoming["request_timestamp"], int)
    assert incoming["expiration_timestamp"] == incoming["request_timestamp"] + SEVEN_DAYS
    assert [request["request_id"] for request in sent(alice)] == [request_id]
    assert read_status(bob, first) == 404, "nothing before accepting"

    # When bob accepts
    accepted = answer(bob, request_id, True)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["group_ids"] == [group_id]

    # Then bob reads and writes the group's nodes, and nothing else of alice's
    assert write_status(bob, first) == 200 and write_status(bob, second) == 200
    assert read_status(bob, third) == 404
    # A node added later is shared too; a node removed is not, at once
    assert edit(alice, group_id, {"nodes": [third], "operation": "add"}).status_code == 200
    assert edit(alice, group_id, {"nodes": [first], "operation": "remove"}).status_code == 200
    assert write_status(bob, third) == 200 and read_status(bob, first) == 404
    assert sorted(bob.get("/v1/user/nodes").json()["nodes"]) == sorted([second, third])
    # The request is no longer pending on either side; by id it reads accepted
    assert received(bob) == [] and sent(alice) == []
    assert looked_up(alice, request_id)["request_status"] == "accepted"
    # bob sees the group shared with him; both see who shares it
    assert [group["group_id"] for group in bob.get("/v1/user/node_group").json()["groups"]] == [group_id]
    users = {"primary": [alice.user_name], "secondary": [bob.user_name]}
    assert sharing_of(alice, group_id)["users"] == users
    assert sharing_of(bob, group_id)["users"] == users


def test_a_group_the_requester_no_longer_owns_is_not_granted(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    kept_node, gone_node = api.owned_node(alice), api.owned_node(alice)
    kept, gone = create_group(alice, [kept_node]), create_group(alice, [gone_node])
    both = share(alice, [kept, gone], bob.user_name or "")
    only_gone = share(alice, [gone], bob.user_name or "")

    # When alice deletes one group before bob answers
    assert alice.delete(f"/v1/user/node_group?group_id={gone}").status_code == 200

    # Then a request naming only that group cannot be accepted (409) and changes nothing, and once
    # the stream processor has run it is gone from both sides' lists
    refused = answer(bob, only_gone, True)
    assert refused.status_code == 409 and refused.json()["error_code"] == 107042
    assert wait_for(lambda: [r["request_id"] for r in received(bob)] == [both], timeout=20)
    assert [request["request_id"] for request in sent(alice)] == [both]
    # and one naming both grants the group alice still owns, only
    accepted = answer(bob, both, True)
    assert accepted.status_code == 200 and accepted.json()["group_ids"] == [kept]
    assert read_status(bob, kept_node) == 200 and read_status(bob, gone_node) == 404


def test_decline_and_cancel(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])

    declined = share(alice, [group_id], bob.user_name or "")
    assert answer(alice, declined, False).status_code == 404, "only the invitee answers"
    assert answer(bob, declined, False).status_code == 200
    assert looked_up(alice, declined)["request_status"] == "declined"
    again = answer(bob, declined, True)
    assert again.status_code == 409 and again.json()["error_code"] == 107061
    assert read_status(bob, node_id) == 404

    cancelled = share(alice, [group_id], bob.user_name or "")
    assert cancel(bob, cancelled).status_code == 404, "only the requester cancels"
    assert cancel(alice, cancelled).status_code == 200
    assert cancel(alice, cancelled).status_code == 409
    assert answer(bob, cancelled, True).status_code == 409
    assert looked_up(bob, cancelled)["request_status"] == "cancelled"
    assert received(bob) == [] and sent(alice) == [] and read_status(bob, node_id) == 404
    assert sharing_of(alice, group_id)["users"]["secondary"] == []


def test_accept_racing_cancel_ends_in_exactly_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])
    outcomes = set()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(6):
            request_id = share(alice, [group_id], bob.user_name or "")
            # When bob accepts while alice cancels
            accepted = pool.submit(answer, bob, request_id, True)
            cancelled = pool.submit(cancel, alice, request_id)
            statuses = (accepted.result().status_code, cancelled.result().status_code)
            # Then exactly one of them happened, and access agrees with the recorded outcome
            assert sorted(statuses) == [200, 409], statuses
            state = looked_up(bob, request_id)["request_status"]
            if statuses[0] == 200:
                assert state == "accepted" and read_status(bob, node_id) == 200
                assert remove(alice, [group_id], bob.user_name or "").status_code == 200
            else:
                assert state == "cancelled"
            assert read_status(bob, node_id) == 404
            outcomes.add(state)
    assert outcomes


def test_two_accepts_end_in_exactly_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = create_group(alice, [api.owned_node(alice)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(4):
            request_id = share(alice, [group_id], bob.user_name or "")
            first, second = (pool.submit(answer, bob, request_id, True) for _ in range(2))
            assert sorted((first.result().status_code, second.result().status_code)) == [200, 409]
            assert len(sharing_of(alice, group_id)["users"]["secondary"]) == 1


def test_an_unknown_email_gets_the_same_answer_as_a_known_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = create_group(alice, [api.owned_node(alice)])
    nobody = unique_email("nobody")
    answers = [
        alice.put(SHARING, json={"groups": [group_id], "user_name": user_name})
        for user_name in (bob.user_name, nobody)
    ]
    known, unknown = (response.json() for response in answers)
    assert [response.status_code for response in answers] == [200, 200]
    assert known.keys() == unknown.keys() and known["description"] == unknown["description"]
    assert len(known["request_id"]) == len(unknown["request_id"])
    # The requester sees both as pending; nobody can ever accept the unknown one, even once the
    # e-mail signs up
    assert {request["user_name"] for request in sent(alice)} == {bob.user_name, nobody}
    assert api.anonymous.post("/v1/user", json={"user_name": nobody, "password": PASSWORD}).ok
    late = api.log_in(nobody)
    assert received(late) == [] and answer(late, unknown["request_id"], True).status_code == 404
    for request_id in (known["request_id"], unknown["request_id"]):
        assert cancel(alice, request_id).status_code == 200
    # Removing a user who has no share answers exactly like removing an unknown e-mail
    removals = [remove(alice, [group_id], user_name) for user_name in (bob.user_name or "", unique_email())]
    assert [response.status_code for response in removals] == [200, 200]
    assert removals[0].json() == removals[1].json()


CALLERS = ("anonymous", "stranger", "operator", "invitee", "owner")


def test_every_route_with_every_kind_of_caller(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])
    callers = {"anonymous": api.anonymous, "stranger": api.user("stranger"), "operator": api.operator,
               "invitee": bob, "owner": alice}  # fmt: skip

    def statuses(method: str, path: str, body: Any = None, **params: str) -> dict[str, int]:
        return {
            kind: callers[kind].request(method, path, json=body, params=params or None).status_code
            for kind in CALLERS
        }

    # Only the owner shares the group: 404 for those who may not see it, 403 for those who may
    offer = {"groups": [group_id], "user_name": carol.user_name}
    assert statuses("PUT", SHARING, offer) == {"anonymous": 401, "stranger": 404, "operator": 403,
                                               "invitee": 404, "owner": 200}  # fmt: skip
    for request in sent(alice):
        assert cancel(alice, request["request_id"]).status_code == 200
    # A request is its parties' alone
    request_id = share(alice, [group_id], bob.user_name or "")
    lookup = {"request_id": request_id}
    assert statuses("GET", REQUESTS, **lookup) == {"anonymous": 401, "stranger": 404, "operator": 404,
                                                   "invitee": 200, "owner": 200}  # fmt: skip
    assert statuses("GET", REQUESTS)["anonymous"] == 401
    answered = statuses("PUT", REQUESTS, {"accept": True, "request_id": request_id})
    assert answered == {"anonymous": 401, "stranger": 404, "operator": 404, "invitee": 200, "owner": 404}
    cancelled = statuses("DELETE", REQUESTS, **lookup)
    assert cancelled == {"anonymous": 401, "stranger": 404, "operator": 404, "invitee": 404, "owner": 409}
    # Who shares the group: its owner and the operators see everyone, bob sees alice and himself
    carol_group = shared_group(api, alice, carol, [])
    assert answer(carol, share(alice, [group_id], carol.user_name or ""), True).status_code == 200
    listed = statuses("GET", SHARING, group_id=group_id)
    assert listed == {"anonymous": 401, "stranger": 404, "operator": 200, "invitee": 200, "owner": 200}
    everyone = sorted([bob.user_name or "", carol.user_name or ""])
    assert sharing_of(alice, group_id)["users"]["secondary"] == everyone
    assert sharing_of(api.operator, group_id)["users"]["secondary"] == everyone
    assert sharing_of(bob, group_id)["users"] == {"primary": [alice.user_name], "secondary": [bob.user_name]}
    # Without group_id: the caller's own groups and those shared with it
    assert {entry["group_id"] for entry in alice.get(SHARING).json()["group_sharing"]} == {
        group_id, carol_group
    }  # fmt: skip
    assert [entry["group_id"] for entry in bob.get(SHARING).json()["group_sharing"]] == [group_id]
    assert callers["stranger"].get(SHARING).json() == {"group_sharing": []}
    # Only the owner removes others; the invitee may remove itself
    removing_carol = statuses("DELETE", SHARING, groups=group_id, user_name=carol.user_name or "")
    assert removing_carol == {"anonymous": 401, "stranger": 404, "operator": 403, "invitee": 403,
                              "owner": 200}  # fmt: skip
    assert remove(bob, [group_id], bob.user_name or "").status_code == 200
    assert read_status(bob, node_id) == 404 and read_status(carol, node_id) == 404
    assert sharing_of(alice, group_id)["users"]["secondary"] == []


def test_remove_and_leave(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    group_id = shared_group(api, alice, bob, [node_id])
    other = shared_group(api, alice, bob, [])
    assert answer(carol, share(alice, [group_id], carol.user_name or ""), True).status_code == 200
    assert write_status(bob, node_id) == 200 and write_status(carol, node_id) == 200

    # When alice removes bob from both groups, bob loses the node at once; carol keeps it
    removed = remove(alice, [group_id, other], bob.user_name or "")
    assert removed.status_code == 200 and removed.json()["status"] == "success"
    assert read_status(bob, node_id) == 404 and write_status(carol, node_id) == 200
    assert bob.get(SHARING).json() == {"group_sharing": []}
    # Removing him again answers the same
    assert remove(alice, [group_id], bob.user_name or "").json() == removed.json()
    # carol leaves by naming herself, and may not come back by leaving again
    assert remove(carol, [group_id], carol.user_name or "").status_code == 200
    assert read_status(carol, node_id) == 404
    assert remove(carol, [group_id], carol.user_name or "").status_code == 404
    # The owner cannot leave its own group
    assert remove(alice, [group_id], alice.user_name or "").status_code == 403
    # A grant alice made with the permissions API is hers to remove, not bob's to leave (it may
    # be what restricts him)
    assert group_grant(alice, group_id, "r", user_name=bob.user_name or "").status_code == 200
    refused = remove(bob, [group_id], bob.user_name or "")
    assert refused.status_code == 403 and read_status(bob, node_id) == 200
    assert remove(alice, [group_id], bob.user_name or "").status_code == 200
    assert read_status(bob, node_id) == 404


def test_primary_sub_role_and_metadata(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])
    request_id = share(
        alice, [group_id], bob.user_name or "", primary=True, sub_role=2, metadata={"room": {"floor": 1}}
    )
    [incoming] = received(bob)
    assert (incoming["user_role"], incoming["primary"], incoming["sub_role"]) == ("primary", True, 2)
    assert incoming["metadata"] == {"room": {"floor": 1}}
    assert answer(bob, request_id, True).status_code == 200
    # rwp through a group: bob writes and reads the node, but a group's access is not passed on
    assert write_status(bob, node_id) == 200
    assert grant(bob, node_id, "r", user_name=unique_email()).status_code == 403
    detailed = sharing_of(alice, group_id, "&metadata=true")["users"]
    assert detailed["primary"] == [alice.user_name] and detailed["secondary"] == [bob.user_name]
    assert detailed["primary_metadata"] == [{"user_name": alice.user_name}]
    assert detailed["secondary_metadata"] == [
        {"user_name": bob.user_name, "metadata": {"room": {"floor": 1}}, "sub_role": 2}
    ]
    assert "secondary_metadata" not in sharing_of(alice, group_id)["users"]


def test_new_role_without_transfer_is_ignored(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = create_group(alice, [api.owned_node(alice)])
    request_id = share(alice, [group_id], bob.user_name or "", new_role="secondary")
    assert looked_up(bob, request_id)["transfer"] is False and "new_role" not in looked_up(bob, request_id)
    assert cancel(alice, request_id).status_code == 200


def listed_group_ids(caller: Caller) -> list[str]:
    """The groups the caller owns or that are shared with it."""
    return sorted(group["group_id"] for group in caller.get("/v1/user/node_group").json()["groups"])


def test_a_transfer_hands_the_group_and_its_nodes_over(api: Api):
    alice, bob, carol, dave, erin = (api.user(name) for name in ("alice", "bob", "carol", "dave", "erin"))
    first, second = api.owned_node(alice), api.owned_node(alice)
    group_id = create_group(alice, [first, second])
    # Given carol shares the first node and dave the whole group, from alice
    assert answer_node_share(carol, share_nodes(alice, [first], carol.user_name)["request_id"], True).ok
    assert answer(dave, share(alice, [group_id], dave.user_name or ""), True).status_code == 200
    assert read_status(carol, first) == 200 and read_status(dave, second) == 200

    # When alice transfers the group to bob, keeping a secondary's access for herself
    request_id = share(alice, [group_id], bob.user_name or "", transfer=True, new_role="secondary")
    [incoming] = received(bob)
    assert (incoming["transfer"], incoming["new_role"], incoming["user_role"]) == (
        True,
        "secondary",
        "primary",
    )
    accepted = answer(bob, request_id, True)
    assert accepted.status_code == 200, accepted.text

    # Then bob owns the group and is the primary of both nodes
    assert listed_group_ids(bob) == [group_id] and listed_group_ids(alice) == []
    assert sharing_of(bob, group_id)["users"] == {"primary": [bob.user_name], "secondary": []}
    for node_id in (first, second):
        assert write_status(bob, node_id) == 200
        users = bob.get(f"/v1/user/nodes/sharing?node_id={node_id}").json()["node_sharing"][0]["users"]
        assert users == {"primary": [bob.user_name], "secondary": [alice.user_name]}
        # alice stays as a secondary (rw), no longer able to pass access on
        assert write_status(alice, node_id) == 200
        assert grant(alice, node_id, "r", user_name=erin.user_name).status_code == 403
        # everyone alice had let in is cut off at once, by node and by group
        assert read_status(carol, node_id) == 404 and read_status(dave, node_id) == 404
    # The group works for its new owner: shared again, it reaches both nodes
    assert answer(erin, share(bob, [group_id], erin.user_name or ""), True).status_code == 200
    assert read_status(erin, first) == 200 and read_status(erin, second) == 200
    assert looked_up(alice, request_id)["request_status"] == "accepted"


def test_a_transfer_needs_the_primary_of_every_node_when_asked_and_when_accepted(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    first, second = api.owned_node(alice), api.owned_node(alice)
    group_id = create_group(alice, [first, second])
    request_id = share(alice, [group_id], bob.user_name or "", transfer=True)

    # When alice transfers one of the nodes to carol before bob answers
    moved = share_nodes(alice, [second], carol.user_name, transfer=True)["request_id"]
    assert answer_node_share(carol, moved, True).status_code == 200

    # Then bob's accept is a 409 and nothing moves
    refused = answer(bob, request_id, True)
    assert refused.status_code == 409, refused.text
    assert looked_up(bob, request_id)["request_status"] == "pending"
    assert sharing_of(alice, group_id)["users"]["primary"] == [alice.user_name]
    assert listed_group_ids(bob) == [] and read_status(bob, first) == 404
    # and a new transfer of that group is refused when asked (alice is no longer second's primary)
    again = alice.put(SHARING, json={"groups": [group_id], "user_name": bob.user_name, "transfer": True})
    assert again.status_code == 400 and "primary of every node" in again.json()["description"]


def test_without_new_role_the_old_owner_leaves_and_tag_groups_stay(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_id = create_group(alice, [node_id])
    assert answer(bob, share(alice, [group_id], bob.user_name or "", transfer=True), True).status_code == 200
    assert read_status(alice, node_id) == 404 and write_status(bob, node_id) == 200
    tagged = create_group(bob, [], tag="room:hall")
    refused = bob.put(SHARING, json={"groups": [tagged], "user_name": alice.user_name, "transfer": True})
    assert refused.status_code == 400 and "tag" in refused.json()["description"]


def test_request_lists_page_with_start_request_id(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = create_group(alice, [])
    # three different requests (the same one again would answer the first's id)
    request_ids = sorted(share(alice, [group_id], bob.user_name or "", metadata={"n": n}) for n in range(3))
    first = bob.get(f"{REQUESTS}?primary_user=false&num_records=2").json()
    assert [request["request_id"] for request in first["sharing_requests"]] == request_ids[:2]
    assert first["next_request_id"] == request_ids[1] and first["next_user_name"] == bob.user_name
    query = f"&num_records=2&start_request_id={first['next_request_id']}&start_user_name={bob.user_name}"
    second = bob.get(f"{REQUESTS}?primary_user=false{query}").json()
    assert [request["request_id"] for request in second["sharing_requests"]] == request_ids[2:]
    assert "next_request_id" not in second
    assert [request["request_id"] for request in sent(alice, "&num_records=100")] == request_ids
    for request_id in request_ids:
        assert cancel(alice, request_id).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"groups": []},
        {"groups": "G"},
        {"groups": [f"G{index}" for index in range(11)]},
        {"groups": ["G"], "user_name": "not-an-email"},
        {"groups": ["G"]},
        {"groups": ["G"], "user_name": "self"},
        {"groups": ["G"], "user_name": "bob", "transfer": True, "new_role": "owner"},
        {"groups": ["G"], "user_name": "bob", "metadata": [1, 2]},
        {"groups": ["G"], "user_name": "bob", "metadata": {"": 1}},
        {"groups": ["G"], "user_name": "bob", "sub_role": 5},
        {"groups": ["G"], "user_name": "bob", "primary": "yes"},
        {"groups": ["G"], "user_name": "bob", "nodes": ["n1"]},
    ],
    ids=[
        "empty",
        "no-groups",
        "not-a-list",
        "eleven-groups",
        "bad-email",
        "no-user-name",
        "self",
        "transfer-new-role",
        "metadata-not-an-object",
        "metadata-empty-key",
        "sub-role",
        "primary-type",
        "unknown-field",
    ],
)
def test_bad_input_is_400_and_writes_nothing(api: Api, body: dict[str, Any]):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = create_group(alice, [api.owned_node(alice)])
    named = {"G": group_id, "self": alice.user_name, "bob": bob.user_name}

    def real(value: Any) -> Any:  # the placeholders "G", "self" and "bob" as this test's own
        if isinstance(value, list):
            return [real(item) for item in value]
        return named.get(value, value) if isinstance(value, str) else value

    body = {key: real(value) for key, value in body.items()}
    response = alice.put(SHARING, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "failure" and response.json()["error_code"] == 107001
    if body == {"groups": [group_id]}:
        assert "user_name is required" in response.json()["description"]
    assert sent(alice) == [] and received(bob) == []


def test_other_bad_input_is_400(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    group_id = shared_group(api, alice, bob, [api.owned_node(alice)])
    request_id = share(alice, [group_id], bob.user_name or "")
    for response in (
        bob.put(REQUESTS, json={"accept": "yes", "request_id": request_id}),
        bob.put(REQUESTS, json={"request_id": request_id}),
        bob.put(REQUESTS, json={"accept": True, "request_id": request_id, "groups": [group_id]}),
        bob.put(REQUESTS, data="{not json"),
        alice.delete(REQUESTS),
        alice.delete(SHARING, params={"groups": group_id}),
        alice.delete(SHARING, params={"groups": "", "user_name": bob.user_name}),
        alice.delete(
            SHARING, params={"groups": ",".join(f"G{i}" for i in range(11)), "user_name": "b@x.test"}
        ),
        alice.delete(SHARING, params={"groups": group_id, "user_name": "not-an-email"}),
        alice.get(SHARING, params={"metadata": "maybe"}),
        alice.get(SHARING, params={"group_id": "bad id"}),
        bob.get(REQUESTS, params={"num_records": "0"}),
        bob.get(REQUESTS, params={"primary_user": "perhaps"}),
    ):
        assert response.status_code == 400, (response.request.url, response.text)
        assert response.json()["error_code"] == 107001
    # Nothing was answered or removed
    assert looked_up(bob, request_id)["request_status"] == "pending"
    assert sharing_of(alice, group_id)["users"]["secondary"] == [bob.user_name]
    assert cancel(alice, request_id).status_code == 200


def test_sub_groups_and_parent_groups_are_accepted_and_ignored(api: Api):
    alice = api.user("alice")
    parent = create_group(alice, [])
    child = create_group(alice, [], parent_group_id=parent)
    query = "&sub_groups=true&parent_groups=true"
    assert sharing_of(alice, parent, query) == sharing_of(alice, parent)
    listed = alice.get(f"{SHARING}?sub_groups=true").json()["group_sharing"]
    assert {entry["group_id"] for entry in listed} == {parent, child}


# --- expiry, on a stack whose requests live SHORT_TTL seconds -------------------------------------


@pytest.fixture(scope="module")
def short_lived() -> Iterator[Api]:
    stack = start_local_stack(REQUEST_TTL_SECONDS=str(SHORT_TTL))
    try:
        yield Api(stack.url, stack.admin_user_name, stack.admin_password)
    finally:
        assert stack.stop() == 0
        assert "Traceback" not in stack.log_path.read_text(), f"see {stack.log_path}"


def wait_until(epoch_seconds: float) -> None:
    while time.time() < epoch_seconds:
        time.sleep(0.05)


def test_a_request_expires_exactly_at_its_expiry(short_lived: Api):
    alice, bob = short_lived.user("alice"), short_lived.user("bob")
    node_id = short_lived.owned_node(alice)
    request_id = share(alice, [create_group(alice, [node_id])], bob.user_name or "")
    [listed] = received(bob)
    expires_at = listed["expiration_timestamp"]
    assert expires_at == listed["request_timestamp"] + SHORT_TTL

    # When the expiry second arrives
    wait_until(expires_at)

    # Then it is gone from both lists and every answer is refused as expired (410)
    assert received(bob) == [] and sent(alice) == []
    for response in (
        answer(bob, request_id, True),
        answer(bob, request_id, False),
        cancel(alice, request_id),
    ):
        assert response.status_code == 410, response.text
        assert response.json()["error_code"] == 107062
    assert read_status(bob, node_id) == 404
    # Looked up by id, its parties see it expired, never pending
    assert looked_up(bob, request_id)["request_status"] == "expired"
    assert looked_up(alice, request_id)["request_status"] == "expired"


def test_a_request_accepted_just_before_expiry_counts(short_lived: Api):
    alice, bob = short_lived.user("alice"), short_lived.user("bob")
    node_id = short_lived.owned_node(alice)
    request_id = share(alice, [create_group(alice, [node_id])], bob.user_name or "")
    expires_at = received(bob)[0]["expiration_timestamp"]
    # Given a moment just before expiry (1.5 s of margin for a loaded machine)
    wait_until(expires_at - 1.5)
    assert time.time() < expires_at
    assert answer(bob, request_id, True).status_code == 200
    assert read_status(bob, node_id) == 200


def test_node_shares_and_group_shares_list_apart(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    group_request = share(alice, [create_group(alice, [node_id])], bob.user_name or "")
    node_request = share_nodes(alice, [node_id], bob.user_name or "")["request_id"]
    assert [request["request_id"] for request in received(bob)] == [group_request]
    node_requests = bob.get("/v1/user/nodes/sharing/requests").json()["sharing_requests"]
    assert [request["request_id"] for request in node_requests] == [node_request]
    # Each kind is answered on its own path only
    assert answer(bob, node_request, True).status_code == 404
    assert answer_node_share(bob, group_request, True).status_code == 404
    assert cancel(alice, group_request).status_code == 200
    assert answer_node_share(bob, node_request, False).status_code == 200


def test_a_mutually_exclusive_group_does_not_overlap_one_of_the_new_owner_s(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert grant(alice, node_id, "rwp", user_name=bob.user_name).status_code == 200
    create_group(bob, [node_id], mutually_exclusive=True)  # bob may share it: rwp given to him
    offered = create_group(alice, [node_id], mutually_exclusive=True)
    refused = answer(bob, share(alice, [offered], bob.user_name or "", transfer=True), True)
    assert refused.status_code == 409 and "mutually exclusive" in refused.text
    assert read_status(bob, node_id) == 200 and write_status(alice, node_id) == 200
