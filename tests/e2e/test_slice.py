"""The foundation slice over HTTP with real tokens: sign-up, sign-in, an operator registers a
node, a user claims it with its password, reads and writes params, releases it."""

from __future__ import annotations

from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, PASSWORD, Api, unique_email
from tests.support.local_stack import wait_for


def test_api_versions_is_public(api: Api):
    response = api.anonymous.get("/apiversions")
    assert response.status_code == 200
    assert response.json() == {"supported_versions": ["v1"]}


def test_sign_up_confirm_and_sign_in(api: Api):
    user_name = unique_email()
    signed_up = api.anonymous.post("/v1/user", json={"user_name": user_name, "password": PASSWORD})
    assert signed_up.status_code == 200 and signed_up.json()["status"] == "success"
    # The local stack confirms at once; the confirmation step still answers success.
    confirmed = api.anonymous.post("/v1/user", json={"user_name": user_name, "verification_code": "123456"})
    assert confirmed.status_code == 200
    caller = api.log_in(user_name)
    info = caller.get("/v1/user").json()
    assert info == {"user_id": signed_up.json()["user_id"], "user_name": user_name, "super_admin": False}


def test_the_id_token_carries_custom_user_id(api: Api):
    import jwt

    caller = api.user()
    claims = jwt.decode(caller.id_token, options={"verify_signature": False})
    assert claims["custom:user_id"] == caller.user_id == claims["sub"]


def test_sign_up_twice_and_weak_passwords_are_clear_errors(api: Api):
    user_name = unique_email()
    assert (
        api.anonymous.post("/v1/user", json={"user_name": user_name, "password": PASSWORD}).status_code == 200
    )
    again = api.anonymous.post("/v1/user", json={"user_name": user_name, "password": PASSWORD})
    assert again.status_code == 409 and again.json()["status"] == "failure"
    weak = api.anonymous.post("/v1/user", json={"user_name": unique_email(), "password": "password"})
    assert weak.status_code == 400 and weak.json()["error_code"] == 107003


def test_wrong_password_and_unknown_user_get_the_same_answer(api: Api):
    caller = api.user()
    wrong = api.anonymous.post("/v1/login2", json={"user_name": caller.user_name, "password": "Wr0ng-pass!"})
    unknown = api.anonymous.post("/v1/login2", json={"user_name": unique_email(), "password": "Wr0ng-pass!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_refresh_token_sign_in_and_logout_revokes_it(api: Api):
    caller = api.user()
    refreshed = api.anonymous.post("/v1/login2", json={"refreshtoken": caller.refresh_token})
    assert refreshed.status_code == 200
    assert {"idtoken", "accesstoken"} <= set(refreshed.json())
    # Tokens from a refresh work like any other, with or without "Bearer ".
    fresh = refreshed.json()["accesstoken"]
    assert caller.get("/v1/user", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200

    assert caller.post("/v1/logout2?logout_all=false").status_code == 200
    revoked = api.anonymous.post("/v1/login2", json={"refreshtoken": caller.refresh_token})
    assert revoked.status_code == 401


def test_an_operator_registers_and_lists_nodes(api: Api):
    node_id = api.node(scopes={"users": ["all"], "projects": []})
    listed = api.operator.get("/v1/admin/nodes?num_records=100").json()["nodes"]
    mine = next(node for node in listed if node["node_id"] == node_id)
    assert mine["config"] == LIGHT_CONFIG and mine["params"] == LIGHT_PARAMS
    assert mine["primary_user_id"] is None and mine["epoch"] == 0
    assert "scopes" not in mine and "secret" not in mine and "secret_hash" not in mine
    with_scopes = api.operator.get("/v1/admin/nodes?withScopes=true&num_records=100").json()["nodes"]
    assert next(node for node in with_scopes if node["node_id"] == node_id)["scopes"]["users"] == ["all"]


PROJECT = "UmxHK6K8BXsa9KawRh4bTbqc"  # a project id (the seed's)


def test_register_with_a_project_scopes_the_node_to_it(api: Api):
    node_id = api.node()
    # registering the same id twice is a conflict
    again = api.operator.post(
        f"/v1/admin/nodes?project={PROJECT}",
        json={"node_id": node_id, "name": "x", "type": "t", "secret": "12345678", "config": LIGHT_CONFIG},
    )
    assert again.status_code == 409
    other = api.operator.post(
        f"/v1/admin/nodes?project={PROJECT}&withScopes=true",
        json={
            "node_id": node_id + "b",
            "name": "x",
            "type": "t",
            "secret": "12345678",
            "config": LIGHT_CONFIG,
        },
    )
    assert other.status_code == 201 and PROJECT in other.json()["scopes"]["projects"]


def test_claim_read_write_and_release(api: Api):
    alice = api.user("alice")
    node_id = api.node()

    # When alice claims the node with its thing password
    assert api.claim(alice, node_id).status_code == 204

    # Then it is hers: listed, readable
    assert alice.get("/v1/user/nodes").json() == {"total": 1, "nodes": [node_id]}
    details = alice.get(f"/v1/user/nodes?node_details=true&node_id={node_id}").json()["node_details"][0]
    assert details["id"] == node_id and details["role"] == "primary" and details["primary"] is True
    assert details["params"] == LIGHT_PARAMS and details["config"] == LIGHT_CONFIG
    assert alice.get(f"/v1/user/nodes/config?nodeid={node_id}").json() == LIGHT_CONFIG
    assert alice.get(f"/v1/user/nodes/params?node_id={node_id}").json() == LIGHT_PARAMS
    status = alice.get(f"/v1/user/nodes/status?nodeid={node_id}").json()
    assert status == {"connectivity": {"connected": False, "timestamp": 0}}

    # And writable, in the CLI's list form and in the single form
    written = alice.put(
        "/v1/user/nodes/params", json=[{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
    )
    assert written.status_code == 200
    assert written.json() == [{"node_id": node_id, "status": "success", "description": "Params updated"}]
    single = alice.put(f"/v1/user/nodes/params?nodeid={node_id}", json={"Light": {"Brightness": 70}})
    assert single.status_code == 200
    assert alice.get(f"/v1/user/nodes/params?nodeid={node_id}").json()["Light"] == {
        "Power": True, "Brightness": 70, "Name": "Light"
    }  # fmt: skip

    # When she releases it, it is no longer hers
    released = alice.put(
        "/v1/user/nodes/mapping",
        json={"user_id": alice.user_id, "node_id": node_id, "secret_key": "", "operation": "remove"},
    )
    assert released.status_code == 200 and released.json()["status"] == "success"
    assert alice.get("/v1/user/nodes").json()["nodes"] == []
    assert alice.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404


def test_params_writes_are_checked_against_the_config(api: Api):
    alice = api.user()
    node_id = api.owned_node(alice)
    for payload, reason in [
        ({"Light": {"Name": "x"}}, "read-only"),
        ({"Light": {"Power": "yes"}}, "must be of type bool"),
        ({"Fan": {"Power": True}}, "Unknown device"),
        ({"Light": {"Speed": 3}}, "Unknown param"),
        ({"Light": {"Brightness": 1000}}, "between"),
    ]:
        response = alice.put("/v1/user/nodes/params", json=[{"node_id": node_id, "payload": payload}])
        assert response.status_code == 400, payload
        assert reason in response.json()["description"]
    assert alice.get(f"/v1/user/nodes/params?nodeid={node_id}").json() == LIGHT_PARAMS


def test_a_multi_node_write_answers_per_node(api: Api):
    alice = api.user()
    mine, foreign = api.owned_node(alice), api.owned_node(api.user())
    response = alice.put(
        "/v1/user/nodes/params",
        json=[{"node_id": mine, "payload": {"Light": {"Power": True}}},
              {"node_id": foreign, "payload": {"Light": {"Power": True}}}],
    )  # fmt: skip
    assert response.status_code == 207
    by_node = {entry["node_id"]: entry for entry in response.json()}
    assert by_node[mine]["status"] == "success"
    assert by_node[foreign]["status"] == "failure" and by_node[foreign]["error_code"] == 107030
    assert alice.get(f"/v1/user/nodes/params?nodeid={mine}").json()["Light"]["Power"] is True


def test_listing_pages_with_start_id(api: Api):
    alice = api.user()
    owned = sorted(api.owned_node(alice) for _ in range(3))
    first = alice.get("/v1/user/nodes?num_records=2").json()
    assert first["nodes"] == owned[:2] and first["total"] == 3 and first["next_id"] == owned[1]
    second = alice.get(f"/v1/user/nodes?num_records=2&start_id={first['next_id']}").json()
    assert second["nodes"] == owned[2:] and "next_id" not in second


def test_a_new_claim_cuts_off_the_previous_primary_and_the_stream_tidies_up(api: Api, local_stack):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    # The password alone is no takeover key: bob's claim of alice's node is refused like a wrong one
    refused = api.claim(bob, node_id)
    assert (
        refused.status_code == 404
        and refused.json()["description"] == "Node not found or thing password incorrect"
    )

    # When alice releases the node and bob claims it with its password (a new provisioning)
    assert api.reclaim(bob, node_id, released_by=alice).status_code == 204

    # Then alice is refused at once, as if the node did not exist, and bob is primary
    assert alice.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404
    assert alice.get("/v1/user/nodes").json()["nodes"] == []
    assert bob.get("/v1/user/nodes").json()["nodes"] == [node_id]

    # And only bob's row is left (alice's went with her release)
    def users() -> list[str]:
        return [
            item["user_id"]["S"]
            for item in local_stack.partition("nodeshare-associations", "node_id", node_id)
        ]

    assert wait_for(lambda: users() == [bob.user_id], timeout=20)
    [row] = local_stack.partition("nodeshare-associations", "node_id", node_id)
    assert row["epoch"]["N"] == "3"  # alice's claim, her release, bob's claim
