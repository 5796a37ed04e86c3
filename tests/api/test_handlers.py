"""Handlers with real API Gateway v2 events: the one error table, and nothing unexpected leaks."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

USER = {"sub": "u-1", "username": "u-1"}  # what an access token carries


def test_a_missing_node_is_a_rainmaker_shaped_404(aws):
    response = call("get_node_params", claims=USER, query="nodeid=nope")
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "status": "failure", "description": "Node nope not found", "error_code": 107030
    }  # fmt: skip


def test_operator_only_routes_refuse_users_with_403(aws):
    response = call("list_admin_nodes", claims=USER)
    assert response["statusCode"] == 403 and json.loads(response["body"])["error_code"] == 107021


def test_an_event_without_claims_on_a_protected_route_is_401(aws):
    response = call("get_user")
    assert response["statusCode"] == 401 and json.loads(response["body"])["error_code"] == 107010


def test_an_unexpected_error_is_a_500_that_reveals_nothing(aws, monkeypatch: pytest.MonkeyPatch):
    import functions.nodes.get_node_params as module

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(module, "read_node", broken)
    response = call("get_node_params", claims=USER, query="nodeid=n1")
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "status": "failure",
        "description": "Internal error",
        "error_code": 107099,
    }


def test_register_then_read_through_the_handlers(aws):
    body = json.dumps({"node_id": "n1", "name": "Light", "type": "t", "secret": "12345678",
                       "config": {"info": {}, "devices": [{"name": "D", "params": [
                           {"name": "P", "data_type": "int", "properties": ["read"]}]}]},
                       "params": {"D": {"P": 3}}})  # fmt: skip
    created = call("register_node", claims=OPERATOR, body=body)
    assert created["statusCode"] == 201
    listed = call("list_admin_nodes", claims=OPERATOR, query="node_id=n1&withScopes=true")
    node = json.loads(listed["body"])["nodes"][0]
    assert node["params"] == {"D": {"P": 3}} and node["scopes"] == {"users": ["all"], "projects": []}
    # The operator may read it; a user without an association may not know it exists.
    assert call("get_node_params", claims=OPERATOR, query="nodeid=n1")["statusCode"] == 200
    assert call("get_node_params", claims=USER, query="nodeid=n1")["statusCode"] == 404
