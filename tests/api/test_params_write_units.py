"""A params write's write units do not grow with the node's config (issue 12, "Cost and cold
start"): the config is an item apart from the node item, which every params write rewrites
(`store.models.NodeModel`). Units as DynamoDB bills them, computed by `bench/counting.py`."""

from __future__ import annotations

import json
from typing import Any

import botocore.client
import pytest

from bench import counting
from bench.writes import large_config
from tests.api.conftest import OPERATOR, call

OWNER = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
SECRET = "12345678"
SMALL_CONFIG = {
    "info": {},
    "devices": [
        {"name": "Dev0", "params": [{"name": "P0", "data_type": "int", "properties": ["read", "write"]}]}
    ],
}
WRITE = {"Dev0": {"P0": 2}}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore calls counted while a `counting.measuring` block runs (restored afterwards)."""
    monkeypatch.setattr(
        botocore.client.BaseClient, "_make_api_call", botocore.client.BaseClient._make_api_call
    )
    counting.install()


def claimed_node(node_id: str, config: dict[str, Any]) -> str:
    body = {"node_id": node_id, "name": "n", "type": "t", "secret": SECRET, "config": config}
    assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
    claim = json.dumps({"userID": "u-1", "thingPassword": SECRET})
    assert call("claim_node", claims=OWNER, body=claim, path_params={"node_id": node_id})["statusCode"] == 204
    return node_id


def thing(node_id: str) -> dict[str, str]:
    return {"sub": node_id, "token_use": "thing", "secret_version": "0", "aud": "nodeshare-things"}


def write_units(operation: str, node_id: str) -> counting.Cost:
    cost = counting.Cost()
    with counting.measuring(cost):
        if operation == "set_node_params":
            response = call(operation, claims=OWNER, query=f"node_id={node_id}", body=json.dumps(WRITE))
        else:
            response = call(
                operation, claims=thing(node_id), body=json.dumps(WRITE), path_params={"node_id": node_id}
            )
    assert response["statusCode"] in (200, 204), response["body"]
    return cost


@pytest.mark.parametrize("operation", ["set_node_params", "report_node_params"])
def test_a_params_write_costs_the_same_write_units_with_a_small_and_a_large_config(aws, counted, operation):
    # Given two nodes, one with a one-param config and one with a config of about 30 KB
    small = claimed_node("small", SMALL_CONFIG)
    large = claimed_node("large", large_config())
    assert len(json.dumps(large_config())) > 30 * 1024

    # When the same params are written to each, by a user and by the node itself
    on_small, on_large = write_units(operation, small), write_units(operation, large)

    # Then both cost the same write units: the node item and the archive record, each at most 1 KB
    # (twice: a transaction), and nothing in an index
    assert on_small.write_units == on_large.write_units == 4
    assert on_small.index_write_units == on_large.index_write_units == 0
    assert on_large.largest_item_bytes < 1024


def test_a_node_item_written_before_configs_had_items_keeps_its_config(aws):
    """An upgrade must not leave a node without its config: a node item written with its config on
    it (before the configs table) reads with that config, until the config is next written, which
    moves it to its own item and off the node item."""
    import boto3
    from nodeshare.settings import settings

    node_id = claimed_node("legacy1", SMALL_CONFIG)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    # As an older version left it: the config on the node item, no config item
    dynamodb.delete_item(TableName=settings().configs_table, Key={"node_id": {"S": node_id}})
    dynamodb.update_item(
        TableName=settings().nodes_table,
        Key={"node_id": {"S": node_id}},
        UpdateExpression="SET config = :config",
        ExpressionAttributeValues={":config": {"M": {"info": {"M": {}}, "devices": {"L": [
            {"M": {"name": {"S": "Dev0"}, "params": {"L": [{"M": {
                "name": {"S": "P0"}, "data_type": {"S": "int"},
                "properties": {"L": [{"S": "read"}, {"S": "write"}]},
            }}]}}}
        ]}}}},
    )  # fmt: skip
    config = call("get_node_config", claims=OWNER, query=f"node_id={node_id}")
    assert config["statusCode"] == 200 and json.loads(config["body"])["devices"][0]["name"] == "Dev0"
    assert write_units("set_node_params", node_id)  # params are still checked against it

    changed = {**SMALL_CONFIG, "info": {"name": "renamed"}}
    update = call("update_admin_node", claims=OPERATOR, body=json.dumps({"config": changed}),
                  path_params={"node_id": node_id})  # fmt: skip
    assert update["statusCode"] == 200, update["body"]
    item = dynamodb.get_item(TableName=settings().nodes_table, Key={"node_id": {"S": node_id}})["Item"]
    assert "config" not in item
    config = call("get_node_config", claims=OWNER, query=f"node_id={node_id}")
    assert json.loads(config["body"])["info"] == {"name": "renamed"}
