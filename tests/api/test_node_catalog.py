"""Operators' node list (`GET /v1/admin/nodes`) over the keys-only `by_catalog` index: whole nodes,
in id order, page by page, in two round trips a page (the Query, then the items by key)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from tests.api.conftest import OPERATOR, call

CONFIG = {
    "info": {},
    "devices": [
        {"name": "D", "params": [{"name": "P", "data_type": "int", "properties": ["read", "write"]}]}
    ],
}


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    yield calls


def page(query: str) -> dict[str, Any]:
    response = call("list_admin_nodes", claims=OPERATOR, query=query)
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])


def test_operators_list_whole_nodes_page_by_page_in_two_round_trips(aws, dynamodb_calls: list[str]):
    # Given three nodes, each with its config and params
    for index in (3, 1, 2):
        body = {"node_id": f"n{index}", "name": f"node {index}", "type": "t", "secret": "12345678",
                "config": CONFIG, "params": {"D": {"P": index}}}  # fmt: skip
        assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201

    # When an operator lists them two at a time
    dynamodb_calls.clear()
    first = page("num_records=2")
    calls = list(dynamodb_calls)
    second = page(f"num_records=2&start_id={first['next_id']}")

    # Then every node comes whole, in id order, and a page is a Query and one BatchGetItem (after
    # the caller's account check, a GetItem)
    nodes = first["nodes"] + second["nodes"]
    assert [node["node_id"] for node in nodes] == ["n1", "n2", "n3"]
    assert [node["params"] for node in nodes] == [{"D": {"P": index}} for index in (1, 2, 3)]
    assert all(node["config"] == CONFIG and node["name"] == f"node {node['node_id'][1]}" for node in nodes)
    assert "next_id" not in second
    assert calls == ["GetItem", "Query", "BatchGetItem"]
