"""Bad data must never poison a node (issue 12, found from outside): a value that a client, a device
or an operator stores is read back by everyone allowed to read it, and a value that could not be
is a 400 in the spec's error shape when it is written, writing nothing (SPEC §2 rules 7 and 9).

Bodies are sent as raw JSON text where the value is one `requests` would not send as is
(`NaN`, `1e400`, a lone surrogate written as the escape `\\ud800`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.e2e.test_bad_input import snapshot
from tests.support.client import Api, unique_node_id
from tests.support.local_stack import RunningStack

JSON = {"content-type": "application/json"}
# A node whose params take every JSON type, so that each kind of value can be written.
THING_DEVICE = {
    "name": "Thing",
    "type": "esp.device.other",
    "params": [
        {"name": "Power", "data_type": "bool", "properties": ["read", "write"]},
        {"name": "Level", "data_type": "int", "properties": ["read", "write"],
         "bounds": {"min": 0, "max": 100, "step": 1}},
        {"name": "Ratio", "data_type": "float", "properties": ["read", "write"]},
        {"name": "Label", "data_type": "string", "properties": ["read", "write"]},
        {"name": "Extra", "data_type": "object", "properties": ["read", "write"]},
        {"name": "Items", "data_type": "array", "properties": ["read", "write"]},
    ],
}  # fmt: skip
THING_CONFIG = {"info": {"name": "Thing", "type": "Other", "fw_version": "1.0"}, "devices": [THING_DEVICE]}
THING_PARAMS = {"Thing": {"Power": False, "Level": 10, "Ratio": 0.5, "Label": "hall", "Extra": {"a": 1},
                          "Items": [1, "two"]}}  # fmt: skip
SECRET = "thing-secret-1"


def refused(response: requests.Response, status: int = 400) -> dict[str, Any]:
    """The response is `status` in the spec's error shape; its body."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body.keys() == {"status", "description", "error_code"}, body
    assert body["status"] == "failure" and isinstance(body["error_code"], int) and body["description"]
    return body


def registration(node_id: str, config: str | None = None, params: str | None = None) -> str:
    """A register body as JSON text, with `config` / `params` spliced in as given (by default
    THING_CONFIG, and THING_PARAMS with it or no params with another config)."""
    text = json.dumps({"node_id": node_id, "name": "Thing", "type": "Other", "secret": SECRET,
                       "config": "@config", "params": "@params"})  # fmt: skip
    text = text.replace('"@config"', config or json.dumps(THING_CONFIG))
    return text.replace('"@params"', params or ("{}" if config else json.dumps(THING_PARAMS)))


def nested(depth: int) -> str:
    """A JSON array `depth` levels deep."""
    return "[" * depth + "]" * depth


# 1. Bodies no reader could handle ------------------------------------------------------------------


def routes_with_a_body(api: Api) -> list[tuple[str, str, bool]]:
    """(method, path, public) of every operation whose body the served OpenAPI document names."""
    document = api.anonymous.get("/v1/openapi.json").json()
    return [
        (method.upper(), path.replace("{node_id}", "somenode").replace("{group_id}", "somegroup"),
         operation["security"] == [])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]  # fmt: skip


@pytest.mark.parametrize("depth", [33, 20_000])
def test_a_deeply_nested_body_is_a_400_on_every_route_that_takes_one(api: Api, depth: int):
    """Defect: a body nested 20,000 levels deep answered 500 on every route that takes a body,
    the public ones included (`json.loads` raises RecursionError). Bodies deeper than 32 levels
    are refused before anything walks them."""
    routes = routes_with_a_body(api)
    assert ("POST", "/v1/login2", True) in routes and len(routes) >= 20
    failures = []
    for method, path, public in routes:
        caller = api.anonymous if public else api.operator
        response = caller.request(method, path, data=nested(depth), headers=JSON)
        try:
            refused(response)
        except (AssertionError, ValueError):
            failures.append((method, path, response.status_code, response.text[:120]))
    assert failures == []


def test_a_lone_surrogate_in_any_string_of_a_body_is_a_400(api: Api, local_stack: RunningStack):
    """Strings that are no document (names, types, secrets, e-mails) are held to the same rule:
    a lone surrogate is refused before anything reads it, on public routes too."""
    before = snapshot(local_stack)
    node_id = unique_node_id("bad")
    bodies = [
        (api.operator, "POST", "/v1/admin/nodes", registration(node_id).replace('"Thing"', '"\\ud800"', 1)),
        (api.operator, "POST", "/v1/admin/nodes", registration(node_id).replace(SECRET, "secret\\udfff")),
        (api.anonymous, "POST", "/v1/user", '{"user_name": "a\\ud800@x.test", "password": "Passw0rd!x"}'),
        (api.anonymous, "POST", "/v1/login2", '{"user_name": "a@x.test", "password": "\\ud800pass"}'),
        (api.operator, "POST", "/v1/user/groups", '{"name": "\\ud800"}'),
    ]
    for caller, method, path, text in bodies:
        refused(caller.request(method, path, data=text, headers=JSON))
    assert snapshot(local_stack) == before
