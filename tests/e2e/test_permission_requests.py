"""BuildingDepot permission requests over HTTP (SPEC §2.2, §2.4, §2.8, §3.2): a user asks a node's
primary for a level, the primary approves (possibly lower) or declines, the requester may cancel,
and the request expires.

This module's stack lets requests live TTL seconds (every other test answers well within that),
and never delivers the stream while it runs (`STREAM_LAG_SECONDS`): a refusal after a re-claim or
transfer comes from the decision at the moment of answering, never from the cascade having
deleted the request.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.test_sharing import answer as answer_share
from tests.e2e.test_sharing import share
from tests.support.client import Api, Caller

TTL = 8
LOCAL_STACK_ENV = {"REQUEST_TTL_SECONDS": str(TTL), "STREAM_LAG_SECONDS": "600"}
PATH = "/v1/user/permission_requests"
POWER_ON = {"Light": {"Power": True}}


def ask(requester: Caller, nodes: list[str], permission: str = "rw") -> list[str]:
    response = requester.post(PATH, json={"nodes": nodes, "permission": permission})
    assert response.status_code == 201, response.text
    return list(response.json()["request_ids"])


def answer(approver: Caller, request_id: str, accept: bool, **extra: Any) -> requests.Response:
    return approver.put(PATH, json={"request_id": request_id, "accept": accept, **extra})


def cancel(requester: Caller, request_id: str) -> requests.Response:
    return requester.delete(f"{PATH}?request_id={request_id}")


def to_answer(caller: Caller) -> list[dict[str, Any]]:
    response = caller.get(PATH)
    assert response.status_code == 200, response.text
    return list(response.json()["permission_requests"])


def sent(caller: Caller) -> list[dict[str, Any]]:
    response = caller.get(f"{PATH}?sent=true")
    assert response.status_code == 200, response.text
    return list(response.json()["permission_requests"])


def looked_up(caller: Caller, request_id: str) -> dict[str, Any]:
    response = caller.get(f"{PATH}?request_id={request_id}")
    assert response.status_code == 200, response.text
    [request] = response.json()["permission_requests"]
    return dict(request)


def read_status(caller: Caller, node_id: str) -> int:
    return caller.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code


def write_status(caller: Caller, node_id: str) -> int:
    return caller.put(f"/v1/user/nodes/params?nodeid={node_id}", json=POWER_ON).status_code


def test_a_request_approved_at_a_lower_level_lets_the_requester_read_but_not_write(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert read_status(bob, node_id) == 404

    # When bob asks alice's node for rw
    [request_id] = ask(bob, [node_id], "rw")

    # Then alice has it to answer, and bob sees it sent, with BuildingDepot's fields
    [received] = to_answer(alice)
    assert received == {
        "request_id": request_id,
        "requester_name": bob.user_name,
        "requester_email": bob.user_name,
        "requested_sensors": [node_id],
        "permission": "rw",
        "request_status": "pending",
        "request_timestamp": received["request_timestamp"],
        "expiration_timestamp": received["request_timestamp"] + TTL,
    }
    assert sent(bob) == [received]

    # When alice approves it at r
    approved = answer(alice, request_id, True, permission="r")
    assert approved.status_code == 200, approved.text
    assert approved.json()["request"]["granted_permission"] == "r"

    # Then bob reads and may not write; the grant is alice's, under the node's epoch
    assert read_status(bob, node_id) == 200 and write_status(bob, node_id) == 403
    [grant] = alice.get(f"/v1/user/permissions?node_id={node_id}").json()["permissions"]
    assert grant["user_name"] == bob.user_name and grant["permission"] == "r" and grant["current"]
    explained = bob.get(f"/v1/user/nodes/access?node_id={node_id}&action=read").json()
    assert [(source["kind"], source["granted_by"]) for source in explained["sources"]] == [("grant", [])]
    # and the request is answered: gone from both lists, accepted when looked up
    assert to_answer(alice) == [] and sent(bob) == []
    answered = looked_up(bob, request_id)
    assert answered["request_status"] == "accepted" and answered["granted_permission"] == "r"
    assert answered["answer_timestamp"] >= answered["request_timestamp"]
    assert answer(alice, request_id, True).status_code == 409  # answered once


def test_declining_grants_nothing(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    [request_id] = ask(bob, [node_id], "r")
    assert answer(alice, request_id, False).status_code == 200
    assert read_status(bob, node_id) == 404
    assert to_answer(alice) == [] and sent(bob) == []
    assert looked_up(alice, request_id)["request_status"] == "declined"
    assert cancel(bob, request_id).status_code == 409


def test_the_requester_cancels(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    [request_id] = ask(bob, [node_id], "r")
    assert cancel(bob, request_id).status_code == 200
    accepted = answer(alice, request_id, True)
    assert accepted.status_code == 409 and accepted.json()["error_code"] == 107061
    assert read_status(bob, node_id) == 404
    assert to_answer(alice) == [] and sent(bob) == []
    assert looked_up(bob, request_id)["request_status"] == "cancelled"


def test_a_request_expires_exactly_at_its_expiry(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    [request_id] = ask(bob, [node_id], "r")
    expires_at = looked_up(bob, request_id)["expiration_timestamp"]

    # When the expiry second arrives
    while time.time() < expires_at:
        time.sleep(0.05)

    # Then every answer is refused as expired (410), and it is gone from both lists
    for response in (
        answer(alice, request_id, True),
        answer(alice, request_id, False),
        cancel(bob, request_id),
    ):
        assert response.status_code == 410, response.text
        assert response.json()["error_code"] == 107062
    assert to_answer(alice) == [] and sent(bob) == []
    assert read_status(bob, node_id) == 404
    # Looked up by id, both parties see it expired, never pending
    assert looked_up(bob, request_id)["request_status"] == "expired"
    assert looked_up(alice, request_id)["request_status"] == "expired"


def test_a_re_claim_between_request_and_answer_voids_that_node_only(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    reclaimed, kept = api.owned_node(alice), api.owned_node(alice)
    [on_reclaimed, on_kept] = ask(bob, [reclaimed, kept], "rw")
    # When alice releases one node and claims it again (a new epoch: hers, not the one bob asked under)
    assert api.reclaim(alice, reclaimed, released_by=alice).status_code == 204
    # Then approving that node's request is refused and grants nothing; the other is granted
    refused = answer(alice, on_reclaimed, True)
    assert refused.status_code == 409 and refused.json()["error_code"] == 107042
    assert looked_up(bob, on_reclaimed)["request_status"] == "pending"
    assert read_status(bob, reclaimed) == 404
    assert answer(alice, on_kept, True).status_code == 200
    assert write_status(bob, kept) == 200


def test_an_approver_who_transferred_the_node_meanwhile_is_refused(api: Api):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    [request_id] = ask(bob, [node_id], "r")
    # When alice transfers the node to carol, staying on as an rwp secondary
    transfer = share(alice, [node_id], carol.user_name or "", transfer=True, new_role="primary")
    assert answer_share(carol, transfer["request_id"], True).status_code == 200
    # Then alice's approval is refused (she holds the right no longer under the request's epoch),
    # carol was never asked, and bob gets nothing
    refused = answer(alice, request_id, True)
    assert refused.status_code == 409, refused.text
    assert answer(carol, request_id, True).status_code == 404
    assert to_answer(carol) == []
    assert read_status(bob, node_id) == 404
    # Declining grants nothing, so the approver still may
    assert answer(alice, request_id, False).status_code == 200


def anonymized(body: dict[str, Any]) -> dict[str, Any]:
    """A body with what must differ between two requests (ids, node, time) blanked out."""
    ids = {"request_id", "request_ids", "requested_sensors"}
    blank = ids | {"request_timestamp", "expiration_timestamp", "answer_timestamp"}
    return {key: ("…" if key in blank else value) for key, value in body.items()}


def test_an_unknown_or_foreign_node_answers_exactly_like_a_real_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    real = api.owned_node(alice)
    unclaimed = api.node()  # registered, nobody's yet
    answers: dict[str, Any] = {}
    for kind, node_id in (("real", real), ("unclaimed", unclaimed), ("missing", "nosuchnode1")):
        response = bob.post(PATH, json={"nodes": [node_id], "permission": "r"})
        assert response.status_code == 201, response.text
        [request_id] = response.json()["request_ids"]
        answers[kind] = {
            "created": anonymized(response.json()),
            "looked_up": anonymized(looked_up(bob, request_id)),
            "cancelled": cancel(bob, request_id).json(),
            "after": anonymized(looked_up(bob, request_id)),
        }
    assert answers["real"] == answers["unclaimed"] == answers["missing"]
    assert "exist" not in str(answers)
    # Mixed in one request, every node gets a request id all the same
    assert len(ask(bob, ["nosuchnode2", real, unclaimed], "r")) == 3
    assert [request["requested_sensors"] for request in to_answer(alice)] == [[real]]


def test_the_buildingdepot_form(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    body = {"data": {"target_sensors": [node_id], "timestamp": "1626105964", "permission": "r/w"}}
    response = bob.post(PATH, json=body)
    assert response.status_code == 201, response.text
    [request_id] = response.json()["request_ids"]
    [received] = to_answer(alice)
    assert received["permission"] == "rw" and received["requested_sensors"] == [node_id]
    assert answer(alice, request_id, True).status_code == 200
    assert write_status(bob, node_id) == 200


def test_lists_page_with_start_request_id(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_ids = [api.owned_node(alice) for _ in range(3)]
    request_ids = ask(bob, node_ids, "r")
    first = alice.get(f"{PATH}?num_records=2").json()
    assert len(first["permission_requests"]) == 2
    rest = alice.get(f"{PATH}?num_records=2&start_request_id={first['next_request_id']}").json()
    listed = [request["request_id"] for request in first["permission_requests"] + rest["permission_requests"]]
    assert sorted(listed) == sorted(request_ids)
    assert alice.get(f"{PATH}?num_records=101").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"nodes": ["n1"], "permission": "owner"},
        {"nodes": [f"n{index}" for index in range(101)], "permission": "r"},
        {"nodes": ["n1"], "permission": "r", "user_name": "a@x.test"},
        {"data": {"target_sensors": "n1", "permission": "r"}},
    ],
    ids=["level", "too-many-nodes", "unknown-field", "buildingdepot-not-a-list"],
)
def test_bad_input_is_400_and_writes_nothing(api: Api, body: dict[str, Any]):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    if body.get("nodes") == ["n1"]:
        body = {**body, "nodes": [node_id]}
    response = bob.post(PATH, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "failure" and response.json()["error_code"] == 107001
    assert to_answer(alice) == [] and sent(bob) == []
    # Asking for one's own node is a 400 too (the primary knows it is), and writes nothing
    own = alice.post(PATH, json={"nodes": ["nosuchnode3", node_id], "permission": "r"})
    assert own.status_code == 400 and sent(alice) == []


CALLERS = ("anonymous", "stranger", "operator", "approver", "requester")


def test_every_route_with_every_kind_of_caller(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    callers = {"anonymous": api.anonymous, "stranger": api.user("stranger"), "operator": api.operator,
               "approver": alice, "requester": bob}  # fmt: skip

    def statuses(method: str, path: str, body: Any = None) -> dict[str, int]:
        return {kind: callers[kind].request(method, path, json=body).status_code for kind in CALLERS}

    # Anyone signed in may ask, except the node's primary
    asked = statuses("POST", PATH, {"nodes": [node_id], "permission": "r"})
    assert asked == {"anonymous": 401, "stranger": 201, "operator": 201, "approver": 400, "requester": 201}
    # A request is its parties' alone: its requester and its approver see it
    [request_id] = ask(bob, [node_id], "r")
    lookup = f"{PATH}?request_id={request_id}"
    assert statuses("GET", lookup) == {"anonymous": 401, "stranger": 404, "operator": 404, "approver": 200,
                                       "requester": 200}  # fmt: skip
    assert statuses("GET", PATH)["anonymous"] == 401
    assert [request["request_id"] for request in to_answer(callers["stranger"])] == []
    # Only the requester cancels (the approver last, so that the request is still pending for each)
    cancelled = statuses("DELETE", lookup)
    assert cancelled == {
        "anonymous": 401,
        "stranger": 404,
        "operator": 404,
        "approver": 404,
        "requester": 200,
    }
    # Only the approver answers
    [request_id] = ask(bob, [node_id], "r")
    approve = {"request_id": request_id, "accept": True}
    answered = statuses("PUT", PATH, approve)
    assert answered == {"anonymous": 401, "stranger": 404, "operator": 404, "approver": 200, "requester": 404}
    assert read_status(bob, node_id) == 200


def test_an_approval_racing_a_cancel_ends_in_exactly_one(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_ids = [api.owned_node(alice) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for node_id, request_id in zip(node_ids, ask(bob, node_ids, "r"), strict=True):
            # When alice approves while bob cancels
            approved = pool.submit(answer, alice, request_id, True)
            cancelled = pool.submit(cancel, bob, request_id)
            statuses = sorted((approved.result().status_code, cancelled.result().status_code))
            # Then exactly one of them happened, and the access agrees with the recorded outcome
            assert statuses == [200, 409], statuses
            outcome = looked_up(bob, request_id)["request_status"]
            assert read_status(bob, node_id) == (200 if outcome == "accepted" else 404)


def test_an_approved_level_joins_the_other_sources_and_the_most_restrictive_wins(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    shared = share(alice, [node_id], bob.user_name or "")  # rw
    assert answer_share(bob, shared["request_id"], True).status_code == 200
    # When bob asks for rwp and alice approves it
    [request_id] = ask(bob, [node_id], "rwp")
    assert answer(alice, request_id, True).status_code == 200
    # Then the share's rw still bounds him: he writes, but may not share
    explained = bob.get(f"/v1/user/nodes/access?node_id={node_id}&action=share").json()
    assert explained["level"] == "rw" and explained["allowed"] is False
    assert write_status(bob, node_id) == 200
