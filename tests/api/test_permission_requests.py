"""Permission requests through the real handlers against moto, with the clock moved instead of
slept on: expiry is exact to the second (SPEC §2.2), bad input is a 400 that writes nothing
(SPEC §2.7), and the stored layout is the share requests' (a header and a line per node)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from nodeshare import clock

from tests.api.conftest import OPERATOR, call

T0 = 1_800_000_000
TTL = 7 * 24 * 3600  # the default REQUEST_TTL_SECONDS
SECRET = "thing-secret-1"


def claims(name: str) -> dict[str, str]:
    return {"sub": name, "custom:user_id": name, "email": f"{name}@x.test"}


ALICE, BOB = claims("alice"), claims("bob")


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def requests_table_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName="nodeshare-requests")["Items"]


@pytest.fixture
def world(aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """alice owns n1 and n2; bob is a user; the clock reads `world["now"]`."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    state: dict[str, Any] = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    for user in (ALICE, BOB):
        user_store.put(User(user["sub"], user["email"], 0))
    for node_id in ("n1", "n2"):
        register = {"node_id": node_id, "name": "Light", "type": "t", "secret": SECRET,
                    "config": {"info": {}, "devices": []}}  # fmt: skip
        assert call("register_node", claims=OPERATOR, body=json.dumps(register))["statusCode"] == 201
        claim = json.dumps({"userID": "alice", "thingPassword": SECRET})
        assert (
            call("claim_node", claims=ALICE, body=claim, path_params={"node_id": node_id})["statusCode"]
            == 204
        )
    yield state


def ask(who: dict[str, str], body: Any) -> dict[str, Any]:
    return call("request_permission", claims=who, body=json.dumps(body))


def answer(who: dict[str, str], request_id: str, accept: bool, **extra: Any) -> dict[str, Any]:
    body = {"request_id": request_id, "accept": accept, **extra}
    return call("answer_permission_request", claims=who, body=json.dumps(body))


def looked_up(who: dict[str, str], request_id: str) -> dict[str, Any]:
    response = call("list_permission_requests", claims=who, query=f"request_id={request_id}")
    assert response["statusCode"] == 200, response["body"]
    [request] = body_of(response)["permission_requests"]
    return dict(request)


def pending(who: dict[str, str], sent: bool = False) -> list[str]:
    response = call("list_permission_requests", claims=who, query="sent=true" if sent else "")
    return [request["request_id"] for request in body_of(response)["permission_requests"]]


def test_one_request_per_node_stored_as_a_header_and_a_line(world):
    response = ask(BOB, {"nodes": ["n1", "n2", "n1"], "permission": "r/w"})
    assert response["statusCode"] == 201, response["body"]
    request_ids = body_of(response)["request_ids"]
    assert len(request_ids) == 2  # one per distinct node
    assert looked_up(BOB, request_ids[0])["requested_sensors"] == ["n1"]
    assert looked_up(BOB, request_ids[1])["requested_sensors"] == ["n2"]
    sort_keys = sorted((item["request_id"]["S"], item["sk"]["S"]) for item in requests_table_items())
    assert sort_keys == sorted(
        [(request_ids[0], "request"), (request_ids[0], "node#n1"), (request_ids[1], "request"),
         (request_ids[1], "node#n2")]
    )  # fmt: skip
    # Listed apart from share requests: alice has permission requests to answer, no share requests
    assert sorted(pending(ALICE)) == sorted(request_ids) == sorted(pending(BOB, sent=True))
    shares = call("list_share_requests", claims=ALICE)
    assert body_of(shares)["sharing_requests"] == []


def test_expiry_is_exact_to_the_second(world):
    [early, late] = body_of(ask(BOB, {"nodes": ["n1", "n2"], "permission": "rw"}))["request_ids"]
    expires_at = looked_up(BOB, early)["expiration_timestamp"]
    assert expires_at == T0 + TTL

    # One second before expiry, the approver may still accept
    world["now"] = expires_at - 1
    assert answer(ALICE, early, True)["statusCode"] == 200
    assert looked_up(BOB, early)["request_status"] == "accepted"

    # From the second of expiry, every answer is 410 and the request lists nowhere
    world["now"] = expires_at
    for response in (
        answer(ALICE, late, True),
        answer(ALICE, late, False),
        call("cancel_permission_request", claims=BOB, query=f"request_id={late}"),
    ):
        assert response["statusCode"] == 410, response["body"]
        assert body_of(response)["error_code"] == 107062
    assert pending(ALICE) == [] and pending(BOB, sent=True) == []
    assert looked_up(BOB, late)["request_status"] == "expired"
    assert looked_up(ALICE, late)["request_status"] == "expired"
    assert looked_up(BOB, early)["request_status"] == "accepted"  # answered in time: stays so


def test_an_answer_is_written_once(world):
    [request_id] = body_of(ask(BOB, {"nodes": ["n1"], "permission": "r"}))["request_ids"]
    world["now"] = T0 + 5
    assert answer(ALICE, request_id, False)["statusCode"] == 200
    assert answer(ALICE, request_id, True)["statusCode"] == 409
    assert (
        call("cancel_permission_request", claims=BOB, query=f"request_id={request_id}")["statusCode"] == 409
    )
    answered = looked_up(BOB, request_id)
    assert answered["request_status"] == "declined" and answered["answer_timestamp"] == T0 + 5
    assert "granted_permission" not in answered


BAD_BODIES = [
    "not json",
    "",
    "[]",
    {},
    {"nodes": ["n1"]},
    {"permission": "r"},
    {"nodes": [], "permission": "r"},
    {"nodes": ["n1"], "permission": "owner"},
    {"nodes": "n1", "permission": "r"},
    {"nodes": ["n1"], "permission": "r", "user_name": "a@x.test"},
    {"nodes": [f"n{index}" for index in range(101)], "permission": "r"},
    {"nodes": ["bad id/"], "permission": "r"},
    {"nodes": ["x" * 65], "permission": "r"},
    {"data": {"target_sensors": ["n1"]}},
    {"data": {"target_sensors": ["n1"], "permission": "r", "extra": 1}},
    {"data": {"target_sensors": ["n1"], "permission": "r", "timestamp": "1" * 33}},
    {"data": {"target_sensors": ["n1"], "permission": "r"}, "nodes": ["n1"]},
    {"data": ["n1"]},
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_requests_are_400_and_write_nothing(world, body: Any):
    response = call(
        "request_permission", claims=BOB, body=body if isinstance(body, str) else json.dumps(body)
    )
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["status"] == "failure" and body_of(response)["error_code"] == 107001
    assert requests_table_items() == []


def test_asking_for_a_node_one_is_primary_of_is_400_and_writes_nothing(world):
    response = ask(ALICE, {"nodes": ["nosuch", "n1"], "permission": "r"})
    assert response["statusCode"] == 400 and "primary of node n1" in body_of(response)["description"]
    assert requests_table_items() == []


@pytest.mark.parametrize(
    "body",
    [
        {"accept": True},
        {"request_id": "r1"},
        {"request_id": "r1", "accept": "yes"},
        {"request_id": "r1", "accept": False, "permission": "r"},
        {"request_id": "r1", "accept": True, "permission": "admin"},
        {"request_id": "r1", "accept": True, "nodes": ["n1"]},
    ],
)
def test_bad_answers_are_400_and_change_nothing(world, body: dict[str, Any]):
    [request_id] = body_of(ask(BOB, {"nodes": ["n1"], "permission": "rw"}))["request_ids"]
    before = requests_table_items()
    if "request_id" in body:
        body = {**body, "request_id": request_id}  # the real one: only the rest of the body is wrong
    response = call("answer_permission_request", claims=ALICE, body=json.dumps(body))
    assert response["statusCode"] == 400, response["body"]
    assert requests_table_items() == before


def test_raising_the_level_is_400_and_grants_nothing(world):
    [request_id] = body_of(ask(BOB, {"nodes": ["n1"], "permission": "r"}))["request_ids"]
    response = answer(ALICE, request_id, True, permission="rw")
    assert response["statusCode"] == 400, response["body"]
    assert looked_up(BOB, request_id)["request_status"] == "pending"
    assert call("get_node_params", claims=BOB, query="nodeid=n1")["statusCode"] == 404


def test_kinds_do_not_mix(world):
    [request_id] = body_of(ask(BOB, {"nodes": ["n1"], "permission": "r"}))["request_ids"]
    # A permission request is no share request, for looking up, answering or cancelling
    assert call("list_share_requests", claims=BOB, query=f"request_id={request_id}")["statusCode"] == 404
    share_answer = json.dumps({"accept": True, "request_id": request_id})
    assert call("update_share_request", claims=ALICE, body=share_answer)["statusCode"] == 404
    assert call("cancel_share_request", claims=BOB, query=f"request_id={request_id}")["statusCode"] == 404
    # and the other way round
    shared = call("share_nodes", claims=ALICE, body=json.dumps({"nodes": ["n2"], "user_name": "bob@x.test"}))
    share_id = body_of(shared)["request_id"]
    assert call("list_permission_requests", claims=BOB, query=f"request_id={share_id}")["statusCode"] == 404
    assert answer(BOB, share_id, True)["statusCode"] == 404
    cancelled = call("cancel_permission_request", claims=ALICE, query=f"request_id={share_id}")
    assert cancelled["statusCode"] == 404


def test_the_cascade_drops_a_request_when_its_node_changes_primary(world):
    from nodeshare.local.gateway import LambdaContext

    from functions.streams.process_table_stream import handler
    from tests.api.test_stream_processor import node_change

    [dropped, kept] = body_of(ask(BOB, {"nodes": ["n1", "n2"], "permission": "r"}))["request_ids"]
    # When n1 moves from epoch 1 to 2 (a new claim) and the stream delivers it
    event = {"Records": [node_change("300", "n1", 1, 2)]}
    assert handler(event, LambdaContext("process_table_stream")) == {"batchItemFailures": []}
    # Then n1's request is gone, header and line; n2's stands
    assert {item["request_id"]["S"] for item in requests_table_items()} == {kept}
    assert call("list_permission_requests", claims=BOB, query=f"request_id={dropped}")["statusCode"] == 404
    assert pending(ALICE) == [kept]
