"""Loading the facts for authorization: nodes and the caller's associations in one BatchGetItem.

pynamodb batches one table at a time, so this uses its botocore client directly to read both
tables in a single round trip. Reads are strongly consistent: a secondary removed a moment ago
must already be refused (SPEC §2.1).
"""

from __future__ import annotations

from typing import Any

from nodeshare.domain.model import Association, Node
from nodeshare.store.models import AssociationModel, NodeModel
from nodeshare.store.records import to_association, to_node

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request (a DynamoDB limit)


def load(node_id: str, user_id: str) -> tuple[Node | None, Association | None]:
    return load_many([node_id], user_id)[node_id]


def load_many(node_ids: list[str], user_id: str) -> dict[str, tuple[Node | None, Association | None]]:
    """For each node id: the node (or None) and the user's association with it (or None)."""
    unique = list(dict.fromkeys(node_ids))
    nodes: dict[str, Node] = {}
    associations: dict[str, Association] = {}
    per_batch = BATCH_GET_LIMIT // 2  # two keys per node
    for start in range(0, len(unique), per_batch):
        chunk = unique[start : start + per_batch]
        request = {
            NodeModel.Meta.table_name: {
                "Keys": [{"node_id": {"S": node_id}} for node_id in chunk],
                "ConsistentRead": True,
            },
            AssociationModel.Meta.table_name: {
                "Keys": [{"node_id": {"S": node_id}, "user_id": {"S": user_id}} for node_id in chunk],
                "ConsistentRead": True,
            },
        }
        for table, items in batch_get(request).items():
            for raw in items:
                if table == NodeModel.Meta.table_name:
                    node = to_node(NodeModel.from_raw_data(raw))
                    nodes[node.node_id] = node
                else:
                    association = to_association(AssociationModel.from_raw_data(raw))
                    associations[association.node_id] = association
    return {node_id: (nodes.get(node_id), associations.get(node_id)) for node_id in unique}


def batch_get(request: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """BatchGetItem until nothing is left unprocessed; items by table name."""
    client = NodeModel._get_connection().connection.client
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in request}
    while request:
        response = client.batch_get_item(RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found[table].extend(items)
        request = response.get("UnprocessedKeys") or {}
    return found
