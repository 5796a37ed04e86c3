"""Things as callers (issue 9), end to end: the real local stack over HTTP, real Cognito JWTs for
users and real thing tokens (signed by the stack's KMS key, verified by the gateway's thing
authorizer through the issuer's discovery document, as API Gateway does)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.client import LIGHT_CONFIG, Api, Caller

SECRET = "thing-secret-1"
FORGING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # a key nobody trusts


def thing_token(api: Api, node_id: str, secret: str = SECRET) -> requests.Response:
    return api.anonymous.post(f"/v1/things/{node_id}/token", json={"thingPassword": secret})


def as_thing(api: Api, node_id: str, secret: str = SECRET) -> Caller:
    return api.thing(node_id, secret)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_token_is_a_jwt_the_published_keys_verify(api: Api):
    node_id = api.node()
    response = thing_token(api, node_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    discovery = api.anonymous.get("/v1/thing-issuer/.well-known/openid-configuration").json()
    assert discovery["issuer"] == f"{api.base_url}/v1/thing-issuer"
    keys = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(body["access_token"])
    claims = jwt.decode(
        body["access_token"], keys.key, algorithms=["RS256"], audience="nodeshare-things",
        issuer=discovery["issuer"],
    )  # fmt: skip
    assert claims["sub"] == node_id and claims["token_use"] == "thing"
    assert claims["exp"] - claims["iat"] == 3600


def test_a_wrong_password_and_an_unknown_node_get_the_same_answer(api: Api):
    node_id = api.node()
    wrong, missing = thing_token(api, node_id, "wrong-password"), thing_token(api, "no-such-node", SECRET)
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_wrong_passwords_are_limited_with_a_429_and_do_not_lock_the_device_out(api: Api):
    node_id = api.node()
    answers = [thing_token(api, node_id, f"wrong-{index}").status_code for index in range(12)]
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]
    refused = thing_token(api, node_id)  # the guesser's address, even with the right password
    assert refused.status_code == 429
    assert refused.json()["status"] == "failure" and refused.json()["error_code"] == 107090
    assert thing_token(api, api.node()).status_code == 200  # other nodes are not affected


def test_a_node_reports_connectivity_and_its_users_see_it(api: Api):
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    before = int(time.time() * 1000)
    assert thing.put(f"/v1/things/{node_id}/connectivity", json={"connected": True}).status_code == 204
    status = owner.get(f"/v1/user/nodes/status?nodeid={node_id}").json()["connectivity"]
    assert status["connected"] is True and status["timestamp"] >= before
    assert thing.put(f"/v1/things/{node_id}/connectivity", json={"connected": False}).status_code == 204
    assert owner.get(f"/v1/user/nodes/status?nodeid={node_id}").json()["connectivity"]["connected"] is False


def test_a_node_reports_params_including_read_only_ones_and_they_are_archived(api: Api):
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    report = {"Light": {"Brightness": 42, "Name": "Hall"}}  # Name is read-only for users
    assert thing.put(f"/v1/things/{node_id}/params", json=report).status_code == 204
    params = owner.get(f"/v1/user/nodes/params?nodeid={node_id}").json()
    assert params["Light"]["Brightness"] == 42 and params["Light"]["Name"] == "Hall"
    history = owner.get(f"/v1/user/nodes/params/history?node_id={node_id}").json()
    assert [record["kind"] for record in history["history"] if record["params"] == report] == ["report"]
    # checked against the config: unknown params and wrong types are a 400, nothing written
    for bad in ({"Light": {"Nope": 1}}, {"Fan": {"Power": True}}, {"Light": {"Brightness": "high"}}):
        refused = thing.put(f"/v1/things/{node_id}/params", json=bad)
        assert refused.status_code == 400, (bad, refused.text)
    assert owner.get(f"/v1/user/nodes/params?nodeid={node_id}").json() == params


def test_a_node_reports_its_config_and_users_read_it(api: Api):
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    config = json.loads(json.dumps(LIGHT_CONFIG))
    config["info"]["fw_version"] = "2.0"
    config["devices"][0]["params"].append(
        {"name": "Color", "data_type": "string", "properties": ["read", "write"]}
    )
    assert thing.put(f"/v1/things/{node_id}/config", json=config).status_code == 204
    assert owner.get(f"/v1/user/nodes/config?nodeid={node_id}").json()["info"]["fw_version"] == "2.0"
    write = owner.put(f"/v1/user/nodes/params?nodeid={node_id}", json={"Light": {"Color": "red"}})
    assert write.status_code == 200, write.text
    assert thing.put(f"/v1/things/{node_id}/config", json={"info": {}}).status_code == 400


def test_a_node_fetches_what_users_wrote_since_a_time(api: Api):
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    start = thing.get(f"/v1/things/{node_id}/params?since=0").json()
    assert start["params"] == {} and start["more"] is False
    owner.put(f"/v1/user/nodes/params?nodeid={node_id}", json={"Light": {"Power": True}})
    owner.put(f"/v1/user/nodes/params?nodeid={node_id}", json={"Light": {"Brightness": 70}})
    thing.put(f"/v1/things/{node_id}/params", json={"Light": {"Brightness": 65}})  # not a user's wish
    desired = thing.get(f"/v1/things/{node_id}/params?since={start['next_since']}").json()
    assert desired["params"] == {"Light": {"Power": True, "Brightness": 70}}
    later = thing.get(f"/v1/things/{node_id}/params?since={desired['next_since']}").json()
    assert later["params"] == {}
    assert thing.get(f"/v1/things/{node_id}/params?since=soon").status_code == 400


def test_tokens_are_for_their_own_node_and_device_routes_only(api: Api):
    owner = api.user("owner")
    node_id, other_id = api.owned_node(owner), api.owned_node(owner)
    thing = as_thing(api, node_id)
    # a thing token on another node's device route: 403; on a user route: 401
    assert thing.put(f"/v1/things/{other_id}/connectivity", json={"connected": True}).status_code == 403
    assert thing.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 401
    assert thing.get("/v1/user").status_code == 401
    # a user token on a device route, even the primary's: 401; no token: 401
    for user in (owner, api.operator, api.anonymous):
        assert user.put(f"/v1/things/{node_id}/connectivity", json={"connected": True}).status_code == 401
    # a token signed by anyone else's key is refused
    forged = jwt.encode(
        {**claims_of(thing.token.removeprefix("Bearer ")), "exp": int(time.time()) + 600},
        FORGING_KEY, algorithm="RS256", headers={"kid": "thing-1"},
    )  # fmt: skip
    forger = Caller(api.base_url, token=f"Bearer {forged}")
    assert forger.put(f"/v1/things/{node_id}/connectivity", json={"connected": True}).status_code == 401


def test_rotating_the_secret_ends_earlier_tokens_at_once(api: Api):
    owner = api.user("owner")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    assert thing.put(f"/v1/things/{node_id}/connectivity", json={"connected": True}).status_code == 204
    rotated = api.operator.put(f"/v1/admin/nodes/{node_id}", json={"secret": "thing-secret-2"})
    assert rotated.status_code == 200, rotated.text
    for method, path, body in (
        ("PUT", "connectivity", {"connected": False}),
        ("PUT", "params", {"Light": {"Brightness": 1}}),
        ("GET", "params?since=0", None),
        ("POST", "reset", None),
    ):
        answer = thing.request(method, f"/v1/things/{node_id}/{path}", json=body)
        assert answer.status_code == 401, (path, answer.text)
    assert thing_token(api, node_id, SECRET).status_code == 404  # the old password is gone too
    renewed = as_thing(api, node_id, "thing-secret-2")
    assert renewed.put(f"/v1/things/{node_id}/connectivity", json={"connected": False}).status_code == 204


def test_a_claimed_node_is_taken_over_only_after_it_reports_a_factory_reset(api: Api):
    owner, buyer = api.user("owner"), api.user("buyer")
    node_id = api.owned_node(owner)
    assert api.claim(buyer, node_id).status_code == 404  # the password alone is not enough
    thing = as_thing(api, node_id)
    assert thing.post(f"/v1/things/{node_id}/reset").status_code == 204
    assert api.claim(buyer, node_id).status_code == 204
    assert owner.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404  # cut off at once
    # the reset was good for one claim: the owner cannot take it back with the password
    assert api.claim(owner, node_id).status_code == 404


def test_bad_input_on_device_routes_is_a_400(api: Api):
    node_id = api.owned_node(api.user("owner"))
    thing = as_thing(api, node_id)
    for path, body in (
        ("connectivity", {"connected": "yes"}),
        ("connectivity", {}),
        ("params", {"Light": {"Brightness": float("1e300")}}),
        ("params", []),
        ("config", {"info": {"": True}, "devices": []}),
    ):
        answer = thing.put(f"/v1/things/{node_id}/{path}", data=json.dumps(body))
        assert answer.status_code == 400, (path, body, answer.text)
    assert thing.put(f"/v1/things/{node_id}/params", data="{not json").status_code == 400
    assert api.anonymous.post(f"/v1/things/{node_id}/token", json={}).status_code == 400
    bad_id = api.anonymous.post("/v1/things/bad id!/token", json={"thingPassword": SECRET})
    assert bad_id.status_code == 400


# --- Kii ownership with real tokens on both sides (the either-token authorizer) -------------------


def family_of(api: Api, owner: Caller, *members: Caller) -> str:
    group = owner.post("/v1/user/groups", json={"name": "family"})
    assert group.status_code == 201, group.text
    group_id = group.json()["group_id"]
    added = owner.put(f"/v1/user/groups/{group_id}/users", json={"users": [m.user_name for m in members]})
    assert added.status_code == 200, added.text
    return group_id


def test_app_started_pin_is_confirmed_by_the_thing(api: Api):
    owner, buyer = api.user("owner"), api.user("buyer")
    node_id = api.owned_node(owner)
    thing = as_thing(api, node_id)
    code = buyer.post(f"/v1/things/{node_id}/ownership/request/user:{buyer.user_id}")
    assert code.status_code == 200, code.text
    assert buyer.post(f"/v1/things/{node_id}/ownership/confirm", json=code.json()).status_code == 404
    kii = {"Content-Type": "application/vnd.kii.ThingOwnershipConfirmationRequest+json"}
    confirmed = thing.post(
        f"/v1/things/{node_id}/ownership/confirm", data=json.dumps(code.json()), headers=kii
    )
    assert confirmed.status_code == 204, confirmed.text
    assert buyer.head(f"/v1/things/{node_id}/ownership/user:{buyer.user_id}").status_code == 204
    assert owner.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 404  # cut off at once
    assert thing.get(f"/v1/things/{node_id}/ownership").json() == {"users": [buyer.user_id], "groups": []}


def test_thing_started_pin_for_a_group_is_confirmed_by_a_member(api: Api):
    owner, member = api.user("owner"), api.user("member")
    node_id = api.node()
    group_id = family_of(api, owner, member)
    thing = as_thing(api, node_id)
    code = thing.post(f"/v1/things/{node_id}/ownership/request/group:{group_id}")
    assert code.status_code == 200, code.text
    assert owner.post(f"/v1/things/{node_id}/ownership/cofirm", json=code.json()).status_code == 404
    assert member.post(f"/v1/things/{node_id}/ownership/cofirm", json=code.json()).status_code == 204
    assert member.get(f"/v1/user/nodes/params?nodeid={node_id}").status_code == 200  # an owner now
    assert member.head(f"/v1/things/{node_id}/ownership/group:{group_id}").status_code == 204
    assert owner.head(f"/v1/things/{node_id}/ownership/group:{group_id}").status_code == 404  # not a member
    assert thing.head(f"/v1/things/{node_id}/ownership/group:{group_id}").status_code == 204


def test_routes_either_side_calls_refuse_a_forged_or_missing_token(api: Api):
    node_id = api.node()
    forged = jwt.encode(
        {"sub": node_id, "token_use": "thing", "aud": "nodeshare-things", "exp": int(time.time()) + 600,
         "iss": f"{api.base_url}/v1/thing-issuer", "secret_version": 0},
        FORGING_KEY, algorithm="RS256", headers={"kid": "thing-1"},
    )  # fmt: skip
    for caller in (Caller(api.base_url, token=f"Bearer {forged}"), api.anonymous):
        assert caller.get(f"/v1/things/{node_id}/ownership").status_code == 401
        assert caller.post(f"/v1/things/{node_id}/ownership/request/user:x").status_code == 401
