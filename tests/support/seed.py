"""Seeding what a claim would write, straight into the stack's emulator: for tests that need many
owned nodes (registering and claiming each through the API costs two scrypt hashes)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Caller, unique_node_id
from tests.support.local_stack import RunningStack

_serialize = TypeSerializer().serialize
EPOCH = 1  # a node's epoch after its first claim


def _put(item: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": {key: _serialize(value) for key, value in item.items()}}}


def owned_nodes(stack: RunningStack, owner: Caller, count: int) -> list[str]:
    """`count` registered nodes claimed by `owner`: node items with `owner` as primary under epoch 1,
    their config items and the owner's association rows, exactly as `POST /v1/things/{id}/ownership`
    leaves them."""
    dynamodb = stack.aws("dynamodb")
    node_ids = sorted(unique_node_id() for _ in range(count))
    for start in range(0, count, 8):  # three items a node, 25 a BatchWriteItem
        chunk = node_ids[start : start + 8]
        nodes = [
            _put({"node_id": node_id, "catalog": "node", "name": "Light", "type": "Lightbulb",
                  "secret_hash": "scrypt$seeded$unusable", "params": LIGHT_PARAMS,
                  "tags": [], "scopes": {"users": ["all"], "projects": []}, "epoch": EPOCH,
                  "primary_user_id": owner.user_id, "connected": False, "connectivity_timestamp_ms": 0,
                  "created_at": 0})
            for node_id in chunk
        ]  # fmt: skip
        associations = [
            _put({"node_id": node_id, "user_id": owner.user_id, "user_name": owner.user_name,
                  "role": "primary",
                  "level": "rwp", "epoch": EPOCH, "created_at": 0})
            for node_id in chunk
        ]  # fmt: skip
        configs = [_put({"node_id": node_id, "config": LIGHT_CONFIG}) for node_id in chunk]
        tables = ("nodeshare-nodes", "nodeshare-configs", "nodeshare-associations")
        dynamodb.batch_write_item(RequestItems=dict(zip(tables, (nodes, configs, associations), strict=True)))
    return node_ids
