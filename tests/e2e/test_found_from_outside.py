"""Regressions for defects an outside tester found, end to end: the real local stack over HTTP
with real JWTs. Each test names its defect and asserts the correct behaviour.

Most tests use this module's default stack (`api`). The two that need special settings — a short
request lifetime (expiry) and a stream that never runs during the test (listing totals) — share
one extra stack, `lagging_api`, started with both settings."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.e2e.test_bad_input import snapshot
from tests.e2e.test_sharing import answer, params_status, received, share
from tests.support import seed
from tests.support.client import PASSWORD, Api, Caller, unique_email
from tests.support.local_stack import RunningStack, start_local_stack

TTL = 3  # seconds a share request lives on the lagging stack
LAGGING_STACK_ENV = {"REQUEST_TTL_SECONDS": str(TTL), "STREAM_LAG_SECONDS": "600"}
POWER_ON = {"Light": {"Power": True}}


@pytest.fixture(scope="module")
def lagging_stack() -> Iterator[RunningStack]:
    """A stack whose share requests expire after TTL seconds and whose stream is never delivered
    while the tests run (so nothing the cascade would tidy up is tidied)."""
    stack = start_local_stack(**LAGGING_STACK_ENV)
    yield stack
    assert stack.stop() == 0, "the local stack should shut down cleanly on SIGTERM"
    assert "Traceback" not in stack.log_path.read_text(), f"see {stack.log_path}"


@pytest.fixture(scope="module")
def lagging_api(lagging_stack: RunningStack) -> Api:
    return Api(lagging_stack.url, lagging_stack.admin_user_name, lagging_stack.admin_password)


def level_of(caller: Caller, node_id: str) -> str:
    response = caller.get(f"/v1/user/nodes?node_details=true&node_id={node_id}")
    assert response.status_code == 200, response.text
    return response.json()["node_details"][0]["level"]


def remove(caller: Caller, node_ids: list[str], user_name: str):
    return caller.delete(f"/v1/user/nodes/sharing?nodes={','.join(node_ids)}&user_name={user_name}")


# 1. An rwp secondary's share request outlives its authority -------------------------------------


def removed_by_the_primary(primary: Caller, rwp: Caller, node_id: str) -> None:
    assert remove(primary, [node_id], rwp.user_name).status_code == 200


def downgraded_by_the_primary(primary: Caller, rwp: Caller, node_id: str) -> None:
    share(primary, [node_id], rwp.user_name)  # no `primary`: the level changes in place, to rw
    assert level_of(rwp, node_id) == "rw"


def left_by_itself(primary: Caller, rwp: Caller, node_id: str) -> None:
    assert remove(rwp, [node_id], rwp.user_name).status_code == 200


@pytest.mark.parametrize("lose_rwp", [removed_by_the_primary, downgraded_by_the_primary, left_by_itself])
def test_a_request_from_an_rwp_secondary_who_lost_rwp_cannot_be_accepted(api: Api, lose_rwp):
    """Defect: a share request made by an `rwp` secondary could still be accepted after that
    secondary lost `rwp` (removed, downgraded to rw, or left), granting access nobody with the
    right to share still gives (SPEC §2.8: authority is checked when it is used)."""
    # Given bob, an rwp secondary of alice's node, who shares it with carol
    alice, bob, carol = api.user("alice"), api.user("bob"), api.user("carol")
    node_id = api.owned_node(alice)
    assert (
        answer(bob, share(alice, [node_id], bob.user_name, primary=True)["request_id"], True).status_code
        == 200
    )
    assert level_of(bob, node_id) == "rwp"
    request_id = share(bob, [node_id], carol.user_name)["request_id"]

    # When bob loses rwp before carol answers
    lose_rwp(alice, bob, node_id)

    # Then carol's accept is refused and grants nothing
    accepted = answer(carol, request_id, True)
    assert accepted.status_code in (403, 404, 409), accepted.text
    assert accepted.json()["status"] == "failure"
    assert params_status(carol, node_id) == 404


# 2. Removing a known user without access is an enumeration oracle --------------------------------


def placeheld(response, node_ids: list[str], user_name: str) -> tuple[int, str]:
    """Status and body with the node ids and the e-mail replaced by placeholders."""
    body = response.text
    for index, node_id in enumerate(node_ids):
        body = body.replace(node_id, f"<node{index}>")
    return response.status_code, re.sub(re.escape(user_name), "<user>", body, flags=re.IGNORECASE)


@pytest.mark.parametrize("node_count", [1, 2])
def test_removing_a_known_user_without_access_answers_like_an_unknown_email(api: Api, node_count: int):
    """Defect: DELETE /v1/user/nodes/sharing answered a known user who has no access to the node
    differently from an unknown e-mail, telling the caller which e-mails have accounts
    (SPEC §2.4: no enumeration)."""
    # Given alice's nodes, bob (a user with no access to them) and an e-mail nobody uses
    alice, bob = api.user("alice"), api.user("bob")
    node_ids = [api.owned_node(alice) for _ in range(node_count)]
    nobody = unique_email("nobody")

    # When alice removes each of them
    known = remove(alice, node_ids, bob.user_name)
    unknown = remove(alice, node_ids, nobody)

    # Then both answers are the same, byte for byte but for the names
    assert placeheld(known, node_ids, bob.user_name) == placeheld(unknown, node_ids, nobody)


# 3. An expired request is shown as pending --------------------------------------------------------


def test_an_expired_request_reads_as_expired_when_looked_up(lagging_api: Api):
    """Defect: GET /v1/user/nodes/sharing/requests?request_id=R showed an expired, never answered
    request as `"pending"` (it can no longer be accepted); it reads as `"expired"`."""
    # Given a request from alice to bob that nobody answered
    alice, bob = lagging_api.user("alice"), lagging_api.user("bob")
    node_id = lagging_api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    expires_at = received(bob)[0]["expiration_timestamp"]

    # When its lifetime has passed
    time.sleep(max(0.0, expires_at - time.time()) + 0.2)

    # Then both parties see it as expired
    for caller, query in ((bob, ""), (alice, "&primary_user=true")):
        response = caller.get(f"/v1/user/nodes/sharing/requests?request_id={request_id}{query}")
        assert response.status_code == 200, response.text
        [looked_up] = response.json()["sharing_requests"]
        assert looked_up["request_status"] == "expired", (caller.user_name, looked_up)


# 4. The operator-only route reads the body before refusing a non-operator -------------------------


@pytest.mark.parametrize("body", [{}, {"node_id": "x"}])
def test_a_non_operator_registering_a_node_is_refused_before_the_body_is_read(api: Api, body: dict):
    """Defect: POST /v1/admin/nodes validated the body before checking the caller is an operator,
    so a non-operator with an incomplete body got 400 (and learned the schema) instead of 403."""
    # Given a user who is not an operator
    user = api.user("user")

    # When they post an incomplete body, Then the route refuses them
    refused = user.post("/v1/admin/nodes", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["status"] == "failure"
    # while an operator posting the same body gets the bad-input answer
    assert api.operator.post("/v1/admin/nodes", json=body).status_code == 400


# 5. Bodies mixing a new request with an answer ----------------------------------------------------


def test_a_body_mixing_create_and_answer_forms_is_a_clean_400(api: Api, local_stack: RunningStack):
    """Defect: PUT /v1/user/nodes/sharing/requests with a body mixing the create form (`nodes`,
    `user_name`) and the answer form (`accept`, `request_id`) crashed with a 500 or was taken as
    one of them; it must be a 400 in RainMaker's error shape that writes nothing."""
    # Given a pending request from alice to bob
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    request_id = share(alice, [node_id], bob.user_name)["request_id"]
    before = snapshot(local_stack)
    mixed = [
        (bob, {"accept": True, "request_id": "abc", "nodes": 5}),
        (bob, {"accept": True, "request_id": request_id, "nodes": [node_id]}),
        (bob, {"accept": False, "request_id": request_id, "user_name": alice.user_name}),
        (alice, {"nodes": [node_id], "user_name": unique_email(), "accept": True}),
        (alice, {"nodes": [node_id], "user_name": unique_email(), "request_id": request_id}),
        (bob, {"accept": True, "request_id": request_id, "nodes": [node_id], "user_name": unique_email()}),
    ]
    # When a caller sends each
    answers = [(body, caller.put("/v1/user/nodes/sharing/requests", json=body)) for caller, body in mixed]

    # Then each is refused as bad input, in the error shape
    statuses = [response.status_code for _, response in answers]
    assert statuses == [400] * len(mixed), [(body, response.text) for body, response in answers]
    for body, response in answers:
        assert response.json().keys() == {"status", "description", "error_code"}, (body, response.text)
        assert response.json()["status"] == "failure" and isinstance(response.json()["error_code"], int)
    # and nothing was written: bob still has no access, the request is still pending
    assert snapshot(local_stack) == before
    assert params_status(bob, node_id) == 404


# 6. A secondary writing many nodes at once --------------------------------------------------------


def test_a_secondary_writes_params_to_60_nodes_like_the_primary(api: Api, local_stack: RunningStack):
    """Defect: a secondary writing params to many of the primary's nodes in one request got a
    different answer from the primary writing the same nodes; a secondary with `rw` on every node
    may write them all at once, as the primary may."""
    # Given 60 of alice's nodes shared with bob (rw) in one request
    alice, bob = api.user("alice"), api.user("bob")
    node_ids = seed.owned_nodes(local_stack, alice, 60)
    assert answer(bob, share(alice, node_ids, bob.user_name)["request_id"], True).status_code == 200
    body = [{"node_id": node_id, "payload": POWER_ON} for node_id in node_ids]

    # When bob writes all 60 in one request
    by_bob = bob.put("/v1/user/nodes/params", json=body)

    # Then it succeeds and every node is written
    assert by_bob.status_code == 200, by_bob.text[:2000]
    for node_id in (node_ids[0], node_ids[29], node_ids[-1]):
        read = bob.get(f"/v1/user/nodes/params?node_id={node_id}")
        assert read.status_code == 200 and read.json()["Light"]["Power"] is True, (node_id, read.text)
    # and the answer is the one alice gets writing the same nodes
    by_alice = alice.put("/v1/user/nodes/params", json=body)
    assert (by_bob.status_code, by_bob.json()) == (by_alice.status_code, by_alice.json())


# 7. Listing totals count nodes the caller no longer reaches ---------------------------------------


def listing(caller: Caller) -> dict:
    response = caller.get("/v1/user/nodes")
    assert response.status_code == 200, response.text
    return response.json()


def test_total_counts_only_reachable_nodes_while_the_stream_lags(lagging_api: Api):
    """Defect: while the stream had not yet deleted a released node's rows, GET /v1/user/nodes
    counted them in `total` though the node is no longer reachable (SPEC §2.1: correctness never
    depends on the stream having run)."""
    # Given alice's two nodes, one shared with bob
    alice, bob = lagging_api.user("alice"), lagging_api.user("bob")
    released, kept = lagging_api.owned_node(alice), lagging_api.owned_node(alice)
    assert answer(bob, share(alice, [released], bob.user_name)["request_id"], True).status_code == 200
    assert listing(bob)["total"] == 1 and listing(alice)["total"] == 2

    # When alice releases the shared node (and the stream does not run)
    release = {"node_id": released, "operation": "remove"}
    assert alice.put("/v1/user/nodes/mapping", json=release).status_code == 200

    # Then bob lists nothing, and alice only the node she kept, totals included
    assert (listing(bob)["nodes"], listing(bob)["total"]) == ([], 0)
    assert (listing(alice)["nodes"], listing(alice)["total"]) == ([kept], 1)


# Issue 9, "Taking over a claimed node": anyone who learned a node's thing password could claim it
# at any time, cutting off its primary and every secondary, with no limit on wrong guesses; and
# once a node had been claimed its scopes no longer stopped anyone.
REJECTED = {
    "status": "failure",
    "description": "Node not found or thing password incorrect",
    "error_code": 107031,
}


def test_a_thing_password_is_no_takeover_key(api: Api):
    alice, bob, mallory = api.user("alice"), api.user("bob"), api.user("mallory")
    node_id = api.owned_node(alice)
    assert answer(bob, share(alice, [node_id], bob.user_name)["request_id"], True).status_code == 200
    # When mallory claims alice's node with its right password: the answer of a wrong one
    taken = api.claim(mallory, node_id)
    wrong = api.claim(mallory, node_id, "wrong-password")
    assert taken.status_code == wrong.status_code == 404 and taken.json() == wrong.json() == REJECTED
    # and nothing changed: alice is primary, bob still a secondary, mallory nothing
    assert api.admin_view(node_id)["primary_user_id"] == alice.user_id
    assert params_status(alice, node_id) == params_status(bob, node_id) == 200
    assert params_status(mallory, node_id) == 404
    # Once alice releases it, the password claims it again
    api.release(alice, node_id)
    assert api.claim(mallory, node_id).status_code == 204


def test_scopes_hold_for_every_claim(api: Api):
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.node(scopes={"users": [alice.user_id], "projects": []})
    assert api.claim(bob, node_id).json() == REJECTED  # out of scope
    assert api.claim(alice, node_id).status_code == 204
    api.release(alice, node_id)  # claimed once and released: the scopes still hold
    assert api.claim(bob, node_id).json() == REJECTED
    assert api.claim(alice, node_id).status_code == 204


def test_wrong_passwords_are_limited_without_locking_out_the_rightful_owner(api: Api):
    node_id = api.node()
    # A guesser gets 10 wrong tries in a window, then 429, even with the right password
    guesser = api.user("guesser")
    for attempt in range(10):
        assert api.claim(guesser, node_id, f"guess-{attempt}").status_code == 404
    limited = api.claim(guesser, node_id)
    assert limited.status_code == 429 and limited.json()["error_code"] == 107090
    # After 20 failures on the node, whoever has failed on it is held off (a new account: one try)
    second = api.user("guesser")
    for attempt in range(10):
        assert api.claim(second, node_id, f"guess-{attempt}").status_code == 404
    third = api.user("guesser")
    assert api.claim(third, node_id, "one-guess").status_code == 404
    assert api.claim(third, node_id, "two-guesses").status_code == 429
    # …but the owner, who has the password and has not failed, claims it at the first try
    owner = api.user("owner")
    assert api.claim(owner, node_id).status_code == 204


def test_an_email_changed_through_cognito_never_names_the_caller(api: Api, local_stack: RunningStack):
    """Issue 11: a user changed her e-mail through Cognito's public UpdateUserAttributes to
    ceo@trusted-corp.test and shared a node with her ID token; the invitee's request list named
    the request's sender by that address, while every other view showed her real one. Every view
    must name a user by the one stored address."""
    alice, bob = api.user("alice"), api.user("bob")
    node_id = api.owned_node(alice)
    cognito = local_stack.aws("cognito-idp")
    cognito.update_user_attributes(
        AccessToken=alice.token, UserAttributes=[{"Name": "email", "Value": "ceo@trusted-corp.test"}]
    )
    # The pool keeps her address until she verifies the new one: she cannot sign in with it
    changed = {"user_name": "ceo@trusted-corp.test", "password": PASSWORD}
    refused = api.anonymous.post("/v1/login2", json=changed)
    assert refused.status_code == 401, refused.text
    signed_in = api.anonymous.post("/v1/login2", json={"refreshtoken": alice.refresh_token})
    assert signed_in.status_code == 200, signed_in.text
    spoofing = Caller(api.base_url, token=signed_in.json()["idtoken"])
    request_id = share(spoofing, [node_id], bob.user_name)["request_id"]
    [incoming] = [request for request in received(bob) if request["request_id"] == request_id]
    assert incoming["primary_user_name"] == alice.user_name
    assert spoofing.get("/v1/user").json()["user_name"] == alice.user_name


# Issue 12: the local pool's signing key ----------------------------------------------------------


def test_a_token_signed_with_motos_published_key_is_refused(api: Api):
    """Defect: moto signs Cognito tokens with a private key published in its package, so anyone
    could forge an operator's token for the local stack. The stack signs with its own key now."""
    import jwt as pyjwt
    from moto.utilities.utils import load_resource

    key = pyjwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    real = pyjwt.decode(api.operator.token or "", options={"verify_signature": False})
    forged = pyjwt.encode(
        {**real, "exp": int(time.time()) + 600}, key, algorithm="RS256", headers={"kid": "dummy"}
    )
    assert Caller(api.base_url, token=forged).get("/v1/admin/nodes").status_code == 401
    assert api.operator.get("/v1/admin/nodes").status_code == 200  # the stack's own tokens work


def test_the_emulator_refuses_requests_not_signed_with_the_stacks_key(local_stack: RunningStack):
    """Defect: any process on the machine could call the embedded emulator's open port and, for
    one, add itself to `admin`. Now a request must be signed with the key the stack drew at start
    (printed with its endpoint), but for what AWS answers unsigned too (sign-up, sign-in, the
    pool's public keys)."""
    import boto3
    from botocore.exceptions import ClientError

    def stranger(service: str):
        return boto3.client(service, endpoint_url=local_stack.emulator_endpoint, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip

    for call in (
        lambda: stranger("cognito-idp").list_user_pools(MaxResults=10),
        lambda: stranger("dynamodb").list_tables(),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert local_stack.aws("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    assert local_stack.aws("dynamodb").list_tables()["TableNames"]
