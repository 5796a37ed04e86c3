"""A retried share request (issue 12): the same create again, while the first is pending, answers
the first request's id and makes no second request; the answers keep the CLI's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
GUEST = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}


@pytest.fixture
def nodes(aws) -> list[str]:
    """n1 and n2, both claimed by the owner; the guest has an account."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (OWNER, GUEST):
        user_store.put(User(user["sub"], user["email"], 0))
    for node_id in ("n1", "n2"):
        body = {
            "node_id": node_id,
            "name": "n",
            "type": "t",
            "secret": "12345678",
            "config": {"info": {}, "devices": []},
        }
        assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
        claim = json.dumps({"userID": OWNER["sub"], "thingPassword": "12345678"})
        assert (
            call("claim_node", claims=OWNER, body=claim, path_params={"node_id": node_id})["statusCode"]
            == 204
        )
    return ["n1", "n2"]


def share(**body: Any) -> dict[str, Any]:
    response = call("share_nodes", claims=OWNER, body=json.dumps(body))
    assert response["statusCode"] == 200, response["body"]
    answer = json.loads(response["body"])
    assert set(answer) == {"status", "description", "request_id"} and answer["status"] == "success"
    return answer


def pending(caller: dict, query: str = "") -> list[str]:
    response = call("list_share_requests", claims=caller, query=query)
    assert response["statusCode"] == 200, response["body"]
    return [request["request_id"] for request in json.loads(response["body"])["sharing_requests"]]


def test_a_retried_create_answers_the_pending_request_and_makes_no_second(nodes):
    # Given a share request sent once
    first = share(nodes=["n1", "n2"], user_name=GUEST["email"], metadata={"k": "v"})

    # When it is sent again, the same (nodes in another order are the same nodes)
    again = share(nodes=["n1", "n2"], user_name=GUEST["email"], metadata={"k": "v"})
    reordered = share(nodes=["n2", "n1"], user_name="U2@x.test", metadata={"k": "v"})

    # Then every answer is the first's, word for word, and there is one request either side
    assert again == first and reordered == first
    assert pending(GUEST) == [first["request_id"]]
    assert pending(OWNER, "primary_user=true") == [first["request_id"]]


def test_a_different_request_is_a_new_one(nodes):
    first = share(nodes=["n1"], user_name=GUEST["email"])

    others = [
        share(nodes=["n1", "n2"], user_name=GUEST["email"]),
        share(nodes=["n1"], user_name=GUEST["email"], primary=True),
        share(nodes=["n1"], user_name=GUEST["email"], metadata={"k": "v"}),
    ]

    ids = {first["request_id"], *(answer["request_id"] for answer in others)}
    assert len(ids) == 4 and sorted(pending(GUEST)) == sorted(ids)


@pytest.mark.parametrize("answer", ["decline", "cancel"])
def test_once_the_first_is_answered_the_same_create_makes_a_new_request(nodes, answer: str):
    first = share(nodes=["n1"], user_name=GUEST["email"])["request_id"]
    if answer == "decline":
        body = json.dumps({"accept": False, "request_id": first})
        assert call("update_share_request", claims=GUEST, body=body)["statusCode"] == 200
    else:
        assert call("cancel_share_request", claims=OWNER, query=f"request_id={first}")["statusCode"] == 200

    second = share(nodes=["n1"], user_name=GUEST["email"])["request_id"]

    assert second != first and pending(GUEST) == [second]
    assert share(nodes=["n1"], user_name=GUEST["email"])["request_id"] == second  # and retried, that one


def test_an_expired_request_does_not_answer_a_new_create(nodes, monkeypatch: pytest.MonkeyPatch):
    from nodeshare.settings import settings

    monkeypatch.setenv("REQUEST_TTL_SECONDS", "0")  # expires the moment it is made
    settings.cache_clear()
    first = share(nodes=["n1"], user_name=GUEST["email"])["request_id"]
    monkeypatch.delenv("REQUEST_TTL_SECONDS")
    settings.cache_clear()

    second = share(nodes=["n1"], user_name=GUEST["email"])["request_id"]

    assert second != first and pending(GUEST) == [second]


def test_an_unknown_email_is_answered_alike_when_retried(nodes):
    first = share(nodes=["n1"], user_name="nobody@x.test")
    assert share(nodes=["n1"], user_name="nobody@x.test") == first


def share_groups(**body: Any) -> str:
    response = call("share_node_groups", claims=OWNER, body=json.dumps(body))
    assert response["statusCode"] == 200, response["body"]
    return str(json.loads(response["body"])["request_id"])


def test_a_retried_group_share_answers_the_pending_request(nodes):
    created = call("create_node_group", claims=OWNER, body=json.dumps({"group_name": "G", "nodes": nodes}))
    group_id = json.loads(created["body"])["group_id"]

    first = share_groups(groups=[group_id], user_name=GUEST["email"])
    again = share_groups(groups=[group_id], user_name=GUEST["email"])
    other = share_groups(groups=[group_id], user_name=GUEST["email"], primary=True)

    assert again == first and other != first
    listed = call("list_group_share_requests", claims=GUEST)
    received = json.loads(listed["body"])["sharing_requests"]
    assert sorted(request["request_id"] for request in received) == sorted([first, other])
