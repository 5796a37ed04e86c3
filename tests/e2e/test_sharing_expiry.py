"""Expiry is exact (SPEC §2.2): with REQUEST_TTL_SECONDS=3 a request is valid while
`expires_at > now` and refused from the second it reaches `expires_at` — for listing, accepting,
declining and cancelling alike — long before DynamoDB's TTL sweep would delete it."""

from __future__ import annotations

import time

from tests.e2e.test_sharing import answer, params_status, received, sent, share
from tests.support.client import Api

TTL = 3
LOCAL_STACK_ENV = {"REQUEST_TTL_SECONDS": str(TTL)}


def wait_until(epoch_seconds: float) -> None:
    while time.time() < epoch_seconds:
        time.sleep(0.05)


def test_a_request_expires_exactly_at_its_expiry(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    [listed] = received(bob)
    expires_at = listed["expiration_timestamp"]
    assert expires_at == listed["request_timestamp"] + TTL

    # When the expiry second arrives
    wait_until(expires_at)

    # Then the request is gone from both lists and every answer is refused as expired (410)
    assert received(bob) == [] and sent(alice) == []
    for response in (
        answer(bob, request_id, True),
        answer(bob, request_id, False),
        alice.delete(f"/v1/user/nodes/sharing/requests?request_id={request_id}"),
    ):
        assert response.status_code == 410, response.text
        assert response.json()["error_code"] == 107062
    assert params_status(bob, node_id) == 404
    # Looked up by id, its parties still see it, as expired (never as pending)
    looked_up = bob.get(f"/v1/user/nodes/sharing/requests?request_id={request_id}").json()["sharing_requests"]
    assert looked_up[0]["request_status"] == "expired" and looked_up[0]["expiration_timestamp"] <= time.time()


def test_a_request_accepted_just_before_expiry_counts(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    expires_at = received(bob)[0]["expiration_timestamp"]
    # Given a moment just before expiry (1.5 s of margin for a loaded machine)
    wait_until(expires_at - 1.5)
    assert time.time() < expires_at
    # When bob accepts then, it is granted
    assert answer(bob, request_id, True).status_code == 200
    assert params_status(bob, node_id) == 200
