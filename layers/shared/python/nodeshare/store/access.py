"""Loading the facts for authorization: nodes, users' associations with them and, when asked,
user rows, in as few BatchGetItem calls as DynamoDB's 100-key limit allows.

pynamodb batches one table at a time, so this uses its botocore client directly to read all
tables in the same round trip. Reads are strongly consistent: a secondary removed a moment ago
must already be refused (SPEC §2.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nodeshare.model.entities import Association, Node, User
from nodeshare.store.models import AssociationModel, NodeModel, UserModel
from nodeshare.store.records import to_association, to_node, to_user

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request (a DynamoDB limit)


@dataclass(frozen=True)
class Facts:
    """What one load found; anything missing is simply absent."""

    nodes: dict[str, Node] = field(default_factory=dict)
    associations: dict[tuple[str, str], Association] = field(default_factory=dict)  # (node, user)
    users: dict[str, User] = field(default_factory=dict)

    def of(self, node_id: str, user_id: str) -> tuple[Node | None, Association | None]:
        """The node (or None) and this user's association with it (or None)."""
        return self.nodes.get(node_id), self.associations.get((node_id, user_id))


def load(node_ids: Sequence[str], user_ids: Sequence[str], user_rows: Sequence[str] = ()) -> Facts:
    """Every node, each listed user's association with each node, and the `user_rows` users."""
    keys: list[tuple[str, dict[str, Any]]] = []
    for node_id in dict.fromkeys(node_ids):
        keys.append((NodeModel.Meta.table_name, {"node_id": {"S": node_id}}))
        keys.extend(
            (AssociationModel.Meta.table_name, {"node_id": {"S": node_id}, "user_id": {"S": user_id}})
            for user_id in dict.fromkeys(user_ids)
        )
    users_table = UserModel.Meta.table_name
    keys.extend((users_table, {"user_id": {"S": user_id}}) for user_id in dict.fromkeys(user_rows))
    facts = Facts()
    for table, raw in batch_get_keys(keys):
        if table == NodeModel.Meta.table_name:
            node = to_node(NodeModel.from_raw_data(raw))
            facts.nodes[node.node_id] = node
        elif table == AssociationModel.Meta.table_name:
            association = to_association(AssociationModel.from_raw_data(raw))
            facts.associations[(association.node_id, association.user_id)] = association
        else:
            user = to_user(UserModel.from_raw_data(raw))
            facts.users[user.user_id] = user
    return facts


def batch_get_keys(keys: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) pairs read 100 per BatchGetItem, whatever their tables; (table, item) found."""
    found: list[tuple[str, dict[str, Any]]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {}
        for table, key in keys[start : start + BATCH_GET_LIMIT]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
        found.extend((table, item) for table, items in batch_get(request).items() for item in items)
    return found


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
