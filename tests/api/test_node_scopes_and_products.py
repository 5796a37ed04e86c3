"""Nodes and scopes on the way in and out (issue 10): registration answers without `scopes` unless
`?withScopes=true`, its scopes go through the grammar, `?project=` adds to them, the default is
the deployment's `DEFAULT_NODE_SCOPE`; a node names its product; discovery shows a user only what
puts it in a node's scope. Through the real handlers against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nodeshare.settings import settings
from nodeshare.store.models import UserModel

from tests.api.conftest import OPERATOR, call
from tests.api.streams import Streams

CONFIG = {"info": {}, "devices": [{"name": "Light", "params": [{"name": "Power", "data_type": "bool"}]}]}
PROJECT = "UmxHK6K8BXsa9KawRh4bTbqc"


def user(user_id: str) -> dict[str, str]:
    return {"sub": user_id, "username": user_id}


def ok(response: dict[str, Any], status: int = 200) -> Any:
    assert response["statusCode"] == status, response["body"]
    return json.loads(response["body"])


def register(node_id: str, query: str = "", **fields: Any) -> dict[str, Any]:
    body = {
        "node_id": node_id,
        "name": "Light",
        "type": "t",
        "secret": "12345678",
        "config": CONFIG,
        **fields,
    }
    return call("register_node", claims=OPERATOR, query=query, body=json.dumps(body))


def admin_view(node_id: str) -> dict[str, Any]:
    return ok(
        call("get_admin_node", claims=OPERATOR, query="withScopes=true", path_params={"node_id": node_id})
    )


def product() -> str:
    return str(ok(call("create_product", claims=OPERATOR, body='{"name": "Lamp"}'), 201)["id"])


def test_the_registration_answer_shows_scopes_only_with_scopes(aws):
    hidden = ok(register("n1"), 201)
    assert "scopes" not in hidden and hidden["node_id"] == "n1"
    shown = ok(register("n2", query="withScopes=true"), 201)
    assert shown["scopes"] == {"users": ["all"], "projects": []}
    # the same answer otherwise (but the time each was made: the two may straddle a second)
    assert {key: value for key, value in shown.items() if key not in ("scopes", "node_id", "created_at")} == {
        key: value for key, value in hidden.items() if key not in ("node_id", "created_at")
    }


@pytest.mark.parametrize(
    ("scopes", "query", "expected"),
    [
        (None, "", {"users": ["all"], "projects": []}),  # DEFAULT_NODE_SCOPE's default
        (None, f"project={PROJECT}", {"users": ["all"], "projects": [PROJECT]}),
        ({"users": ["a", "a", "b"]}, "", {"users": ["a", "b"], "projects": []}),  # duplicates collapse
        ({"users": ["a", "all"]}, "", {"users": ["all"], "projects": []}),
        ({"users": ["+a"], "projects": ["+all"]}, "", {"users": ["a"], "projects": ["all"]}),
        ({"projects": [PROJECT]}, f"project={PROJECT}", {"users": [], "projects": [PROJECT]}),
        ({}, "", {"users": [], "projects": []}),  # given: exactly what is given
    ],
)
def test_registration_scopes_go_through_the_grammar(aws, scopes, query: str, expected):
    fields = {} if scopes is None else {"scopes": scopes}
    assert ok(register("n1", query=f"{query}&withScopes=true", **fields), 201)["scopes"] == expected
    assert admin_view("n1")["scopes"] == expected


@pytest.mark.parametrize(
    ("fields", "query"),
    [
        ({"scopes": {"users": ["a", "+b"]}}, ""),  # a mix
        ({"scopes": {"users": ["+a", "-b"]}}, ""),
        ({"scopes": {"users": ["-"]}}, ""),
        ({"scopes": {"users": [f"u{i}" for i in range(101)]}}, ""),
        ({"scopes": {"users": ["u" * 130]}}, ""),
        ({"scopes": {"projects": ["P1"]}}, ""),  # not a project id
        ({"scopes": {"projects": [f"{PROJECT[:-2]}{i:02d}" for i in range(100)]}}, f"project={PROJECT}"),
        ({}, "project=P1"),
        ({}, "project=" + "p" * 129),
        ({}, "withScopes=sometimes"),
        ({"product": "UmxHK6K8BXsa9KawRh4bTbqc"}, ""),  # no such product
        ({"product": "not-a-product-id"}, ""),
        ({"product": 7}, ""),
    ],
)
def test_bad_registration_scopes_or_product_are_a_400_and_register_nothing(aws, fields, query: str):
    response = register("n1", query=query, **fields)
    assert response["statusCode"] == 400, response["body"]
    assert json.loads(response["body"])["error_code"] == 107001
    missing = call("get_admin_node", claims=OPERATOR, path_params={"node_id": "n1"})
    assert missing["statusCode"] == 404


def test_the_default_node_scope_is_a_deployment_setting(aws, monkeypatch: pytest.MonkeyPatch):
    # Given a deployment that sets DEFAULT_NODE_SCOPE=none (EVRYTHNG's default)
    monkeypatch.setenv("DEFAULT_NODE_SCOPE", "none")
    settings.cache_clear()
    # Then a node registered without scopes is in no one's scope: no user may claim it
    assert ok(register("n1", query="withScopes=true"), 201)["scopes"] == {"users": [], "projects": []}
    claim = json.dumps({"userID": "u-1", "thingPassword": "12345678"})
    refused = call("claim_node", claims=user("u-1"), body=claim, path_params={"node_id": "n1"})
    assert (refused["statusCode"], json.loads(refused["body"])["error_code"]) == (404, 107031)
    # while one registered with scopes is as they say
    assert ok(register("n2", query="withScopes=true", scopes={"users": ["u-1"]}), 201)["scopes"]["users"] == [
        "u-1"
    ]


def test_a_node_names_its_product_at_registration_and_by_an_operator_s_change(aws):
    lamp, bulb = product(), product()
    assert ok(register("n1", product=lamp), 201)["product"] == lamp
    assert ok(register("n2"), 201)["product"] is None
    changed = call(
        "update_admin_node",
        claims=OPERATOR,
        body=json.dumps({"product": bulb}),
        path_params={"node_id": "n2"},
    )
    assert ok(changed)["product"] == bulb
    # an unknown product is a 400 and changes nothing; null names none
    unknown = json.dumps({"product": "UmxHK6K8BXsa9KawRh4bTbqc"})
    refused = call("update_admin_node", claims=OPERATOR, body=unknown, path_params={"node_id": "n2"})
    assert refused["statusCode"] == 400 and admin_view("n2")["product"] == bulb
    cleared = call(
        "update_admin_node", claims=OPERATOR, body='{"product": null}', path_params={"node_id": "n2"}
    )
    assert ok(cleared)["product"] is None and admin_view("n2")["product"] is None
    # a deleted product stays named by its nodes (the name then leads to a 404)
    ok(call("delete_admin_product", claims=OPERATOR, path_params={"product_id": lamp}))
    assert admin_view("n1")["product"] == lamp


def test_discovery_names_the_product_and_shows_a_user_only_what_puts_it_in_scope(aws):
    UserModel("u-1", user_name="u-1@x.test", created_at=0).save()
    lamp = product()
    ok(register("n1", product=lamp, scopes={"users": ["u-1", "u-2"], "projects": [PROJECT]}), 201)
    Streams().deliver()
    things = ok(call("list_things", claims=user("u-1")))["things"]
    assert things == [{"node_id": "n1", "name": "Light", "type": "t", "product": lamp}]
    shown = ok(call("list_things", claims=user("u-1"), query="withScopes=true"))["things"]
    assert shown[0]["scopes"] == {"users": ["u-1"], "projects": []}  # not u-2, not the project
    bad = call("list_things", claims=user("u-1"), query="withScopes=perhaps")
    assert bad["statusCode"] == 400
