"""Racing requests end in exactly one outcome (SPEC §2.5), with real concurrency against the
local stack (each request gets its own handler instance, as on Lambda)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.client import Api

ROUNDS = 8


def test_two_claims_of_one_node_end_in_exactly_one_primary(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            node_id = api.node()
            # When alice and bob claim the same fresh node at the same moment
            futures = {caller.user_id: pool.submit(api.claim, caller, node_id) for caller in (alice, bob)}
            statuses = {user_id: future.result().status_code for user_id, future in futures.items()}
            # Then one or both succeeded in some order, never with a lost update: the node has
            # exactly one primary, the last successful claim, and the other caller has no access.
            winners = [user_id for user_id, status in statuses.items() if status == 204]
            assert winners, statuses
            # (the loser: 409 if they raced inside the write, 404 if the node was owned already)
            assert all(status in (204, 404, 409) for status in statuses.values()), statuses
            readers = [
                c for c in (alice, bob) if c.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200
            ]
            assert len(readers) == 1
            assert readers[0].user_id in winners
            node = api.admin_view(node_id)
            assert node["primary_user_id"] == readers[0].user_id
            assert node["epoch"] == len(winners)


def test_a_release_racing_a_write_never_writes_after_the_release(api: Api):
    alice = api.user("alice")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            node_id = api.owned_node(alice)
            write = pool.submit(
                alice.put,
                "/v1/user/nodes/params",
                json=[{"node_id": node_id, "payload": {"Light": {"Power": True}}}],
            )
            release = pool.submit(
                alice.put, "/v1/user/nodes/mapping", json={"node_id": node_id, "operation": "remove"}
            )
            assert release.result().status_code == 200
            assert write.result().status_code in (200, 404, 409)
            # The node is released whatever the order: nobody is primary, alice has no access.
            node = api.admin_view(node_id)
            assert node["primary_user_id"] is None and node["epoch"] == 2
            assert alice.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404


def test_accept_racing_cancel_ends_in_exactly_one(api: Api):
    from tests.e2e.test_sharing import answer, params_status, share

    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    outcomes = set()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            request_id = share(alice, [node_id], bob.user_name)["request_id"]
            accept = pool.submit(answer, bob, request_id, True)
            cancel = pool.submit(alice.delete, f"/v1/user/nodes/sharing/requests?request_id={request_id}")
            statuses = (accept.result().status_code, cancel.result().status_code)
            assert sorted(statuses) == [200, 409], statuses
            status = bob.get(f"/v1/user/nodes/sharing/requests?request_id={request_id}").json()
            state = status["sharing_requests"][0]["request_status"]
            if statuses[0] == 200:
                assert state == "accepted" and params_status(bob, node_id) == 200
                alice.delete(f"/v1/user/nodes/sharing?nodes={node_id}&user_name={bob.user_name}")
            else:
                assert state == "cancelled" and params_status(bob, node_id) == 404
            outcomes.add(statuses)
    assert outcomes, "every round ended in exactly one outcome"


def test_two_accepts_end_in_exactly_one(api: Api):
    from tests.e2e.test_sharing import answer, params_status, share

    alice, bob = api.user("alice"), api.user("bob")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            node_id = api.owned_node(alice)
            request_id = share(alice, [node_id], bob.user_name)["request_id"]
            first, second = (pool.submit(answer, bob, request_id, True) for _ in range(2))
            assert sorted((first.result().status_code, second.result().status_code)) == [200, 409]
            assert params_status(bob, node_id) == 200


def test_accept_racing_a_release_never_survives_the_release(api: Api):
    from tests.e2e.test_sharing import answer, params_status, share

    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            node_id = api.owned_node(alice)
            request_id = share(alice, [node_id], bob.user_name)["request_id"]
            accept = pool.submit(answer, bob, request_id, True)
            release = pool.submit(api.release, alice, node_id)
            release.result()
            assert accept.result().status_code in (200, 409)
            # Whatever the order, the node is nobody's and bob's access (if any was granted) is void
            assert api.admin_view(node_id)["primary_user_id"] is None
            assert params_status(bob, node_id) == 404
            # and carol may claim it now
            assert api.claim(carol, node_id).status_code == 204
            assert params_status(carol, node_id) == 200 and params_status(bob, node_id) == 404
