"""Revocation is immediate (SPEC §2.1): with the stream delivered 3 s late, a re-claim or a
release cuts off every earlier user at once; the stale rows are gone only after the stream ran."""

from __future__ import annotations

import time

from tests.e2e.test_access_matrix import seed_secondary
from tests.support.client import Api
from tests.support.local_stack import wait_for

LAG = 3.0
LOCAL_STACK_ENV = {"STREAM_LAG_SECONDS": str(LAG)}


def association_users(local_stack, node_id: str) -> set[str]:
    return {
        item["user_id"]["S"] for item in local_stack.partition("nodeshare-associations", "node_id", node_id)
    }


def test_a_re_claim_refuses_the_old_users_before_the_stream_runs(api: Api, local_stack):
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    seed_secondary(local_stack, node_id, carol, "rw", epoch=1)
    assert carol.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200

    # When alice releases the node and bob claims it
    claimed_at = time.monotonic()
    assert api.reclaim(bob, node_id, released_by=alice).status_code == 204

    # Then alice (old primary) and carol (old secondary) are refused at once…
    for stale in (alice, carol):
        assert stale.get(f"/v1/user/nodes/params?nodeid={stale and node_id}").status_code == 404
        write = stale.put(
            "/v1/user/nodes/params", json=[{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
        )
        assert write.status_code == 404
    # …while carol's row is still there: the stream has not been delivered yet (alice's went with
    # her release)
    assert time.monotonic() - claimed_at < LAG, "the checks above must run inside the stream lag"
    assert association_users(local_stack, node_id) == {bob.user_id, carol.user_id}

    # And once the stream has run, only bob's row is left
    assert wait_for(lambda: association_users(local_stack, node_id) == {bob.user_id}, timeout=LAG + 15)
    assert bob.get(f"/v1/user/nodes/params?nodeid={node_id}").json()["Light"]["Power"] is False


def test_a_release_refuses_secondaries_before_the_stream_runs(api: Api, local_stack):
    alice, carol = api.user("alice"), api.user("carol")
    node_id = api.owned_node(alice)
    seed_secondary(local_stack, node_id, carol, "r", epoch=1)

    released = alice.put("/v1/user/nodes/mapping", json={"node_id": node_id, "operation": "remove"})
    assert released.status_code == 200
    assert carol.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    assert association_users(local_stack, node_id) == {carol.user_id}
    assert wait_for(lambda: association_users(local_stack, node_id) == set(), timeout=LAG + 15)


def request_items(local_stack, request_id: str) -> list[str]:
    return sorted(
        item["sk"]["S"] for item in local_stack.partition("nodeshare-requests", "request_id", request_id)
    )


def test_a_re_claim_voids_shares_and_pending_requests_before_the_stream_runs(api: Api, local_stack):
    from tests.e2e.test_sharing import answer, share

    alice, bob, carol, dave = api.user("alice"), api.user("bob"), api.user("carol"), api.user("dave")
    node_id = api.owned_node(alice)
    assert answer(bob, share(alice, [node_id], bob.user_name)["request_id"], True).status_code == 200
    pending = share(alice, [node_id], carol.user_name)["request_id"]
    assert request_items(local_stack, pending) == [f"node#{node_id}", "request"]

    # When alice releases the node and dave claims it
    claimed_at = time.monotonic()
    assert api.reclaim(dave, node_id, released_by=alice).status_code == 204

    # Then bob (secondary) is refused and carol's pending offer cannot be accepted, at once…
    assert bob.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    refused = answer(carol, pending, True)
    assert refused.status_code == 409 and refused.json()["status"] == "failure"
    assert carol.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    # …while the rows are still there
    assert time.monotonic() - claimed_at < LAG
    assert bob.user_id in association_users(local_stack, node_id)

    # And after the stream has run, bob's row and carol's request are gone
    assert wait_for(lambda: bob.user_id not in association_users(local_stack, node_id), timeout=LAG + 15)
    assert wait_for(lambda: request_items(local_stack, pending) == [], timeout=LAG + 15)


def test_a_removed_secondary_is_refused_at_once(api: Api, local_stack):
    from tests.e2e.test_sharing import answer, share

    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    assert answer(bob, share(alice, [node_id], bob.user_name)["request_id"], True).status_code == 200
    assert (
        alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={bob.user_name}").status_code == 200
    )
    assert bob.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    write = bob.put(
        "/v1/user/nodes/params", json=[{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
    )
    assert write.status_code == 404
