"""Tags and metadata through the real handlers: a change that loses a race to another is read and
computed again once (never lost, never written over the other), and a second loss is a 409."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
NODE_ID = "n1"


@pytest.fixture
def node(aws) -> str:
    body = {"node_id": NODE_ID, "name": "Light", "type": "t", "secret": "12345678",
            "config": {"info": {}, "devices": []}, "tags": ["first:tag"]}  # fmt: skip
    assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
    claim = {"userID": "u-1", "thingPassword": "12345678"}
    claimed = call("claim_node", claims=OWNER, body=json.dumps(claim), path_params={"node_id": NODE_ID})
    assert claimed["statusCode"] == 204
    return NODE_ID


def update(body: dict[str, Any]) -> dict[str, Any]:
    return call("update_user_node", claims=OWNER, query=f"node_id={NODE_ID}", body=json.dumps(body))


def stored() -> tuple[list[str], dict[str, Any]]:
    from nodeshare.store import nodes as node_store

    found = node_store.get(NODE_ID)
    assert found is not None
    return list(found.tags), found.metadata


def racing(monkeypatch: pytest.MonkeyPatch, losses: int, rival_change: dict[str, Any]) -> list[int]:
    """Before each of the next `losses` writes of tags / metadata, a rival change lands first (its
    tags numbered by the write they beat)."""
    from nodeshare.domain import node_details
    from nodeshare.store import nodes as node_store

    original, writes = node_store.write_details, []

    def write_after_a_rival(node, tags, metadata):
        writes.append(1)
        if len(writes) <= losses:
            fresh = node_store.get(node.node_id)
            assert fresh is not None
            rival = node_details.merge_metadata(fresh.metadata, rival_change.get("metadata") or {})
            added = tuple(f"{tag}{len(writes)}" for tag in rival_change.get("tags") or ())
            rival_tags = node_details.changed_tags(fresh.tags, added, ())
            original(fresh, rival_tags, rival)
        return original(node, tags, metadata)

    monkeypatch.setattr(node_store, "write_details", write_after_a_rival)
    return writes


def test_a_change_that_loses_a_race_is_computed_again_and_loses_nothing(node, monkeypatch):
    # Given a rival adds a tag and a metadata key just before our first write
    writes = racing(monkeypatch, 1, {"tags": ["rival:tag"], "metadata": {"rival": 1}})

    # When we add ours
    response = update({"tags": ["our:tag"], "metadata": {"ours": 2}})

    # Then ours is written on the second attempt, on top of the rival's
    assert response["statusCode"] == 200, response["body"]
    assert len(writes) == 2
    assert stored() == (["first:tag", "rival:tag1", "our:tag"], {"rival": 1, "ours": 2})


def test_losing_twice_is_a_conflict_and_writes_nothing_of_ours(node, monkeypatch):
    writes = racing(monkeypatch, 2, {"tags": ["rival:tag"]})
    response = update({"tags": ["our:tag"]})
    assert response["statusCode"] == 409 and json.loads(response["body"])["error_code"] == 107042
    assert len(writes) == 2
    assert stored() == (["first:tag", "rival:tag1", "rival:tag2"], {})


def test_a_change_to_the_access_meanwhile_refuses_the_write(node, monkeypatch):
    """The write is conditioned on the access it was allowed by (epoch and access version)."""
    from nodeshare.store import nodes as node_store
    from nodeshare.store.models import NodeModel

    original = node_store.write_details

    def access_moves_first(node, tags, metadata):
        NodeModel(node.node_id).update(actions=[NodeModel.access_version.add(1)])
        return original(node, tags, metadata)

    monkeypatch.setattr(node_store, "write_details", access_moves_first)
    response = update({"tags": ["our:tag"]})
    assert response["statusCode"] == 409
    assert stored() == (["first:tag"], {})


def test_nothing_to_change_writes_nothing(node, monkeypatch):
    writes = racing(monkeypatch, 0, {})
    for body in (
        {"tags": ["first:tag"]},
        {"metadata": {}},
        {"metadata": {"absent": None}},
        {"metadata": None},
    ):
        assert update(body)["statusCode"] == 200
    assert writes == []
