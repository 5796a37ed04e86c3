"""Loading the facts for authorization: nodes, users' associations with them and, when asked,
user rows, in as few BatchGetItem calls as DynamoDB's 100-key limit allows.

pynamodb batches one table at a time, so this uses its botocore client directly to read all
tables in the same round trip. Reads are strongly consistent: a secondary removed a moment ago
must already be refused (SPEC §2.1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nodeshare.model.entities import Association, Node, NodeGroup, Product, RoleDefinition, User, UserGroup
from nodeshare.store.clients import until_processed
from nodeshare.store.models import (
    NODE_GROUP,
    PRODUCT,
    ROLE,
    USER_GROUP,
    AssociationModel,
    GroupModel,
    NodeConfigModel,
    NodeModel,
    UserModel,
)
from nodeshare.store.records import (
    plain,
    to_association,
    to_node,
    to_node_group,
    to_product,
    to_role,
    to_user,
    to_user_group,
)

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request (a DynamoDB limit)


@dataclass(frozen=True)
class Facts:
    """What one load found; anything missing is simply absent."""

    nodes: dict[str, Node] = field(default_factory=dict)
    associations: dict[tuple[str, str], Association] = field(default_factory=dict)  # (node, user)
    users: dict[str, User] = field(default_factory=dict)
    user_groups: dict[str, UserGroup] = field(default_factory=dict)
    node_groups: dict[str, NodeGroup] = field(default_factory=dict)
    roles: dict[str, RoleDefinition] = field(default_factory=dict)

    def of(self, node_id: str, user_id: str) -> tuple[Node | None, Association | None]:
        """The node (or None) and this user's association with it (or None)."""
        return self.nodes.get(node_id), self.associations.get((node_id, user_id))


def load_for_decision(
    principal_id: str, node_ids: Sequence[str], other_users: Sequence[str] = (), user_rows: Sequence[str] = ()
) -> Facts:
    """What the decision needs about a principal and nodes, in two round trips (one BatchGetItem
    each, up to 100 keys; more keys, more batches):

    1. the nodes (with the grants on them and the node groups holding them; each node's config
       item beside it: `node_keys`), the principal's and `other_users`' associations with them,
       and the principal's (and `user_rows`') user rows, which name its user groups and its
       projects (a project's users are on their rows: no project item is read);
    2. those user groups and node groups (with the grants on them), the nodes' owner groups (Kii:
       their members are owners), and the roles the nodes' primaries assigned to the principal
       (Symphony), which narrow what it may do there.

    Whether the users a source was granted through still hold `rwp` is on the node item
    (`rwp_user_ids`), so no grantor's row is read.
    """
    facts = load(node_ids, [principal_id, *other_users], [principal_id, *user_rows])
    principal = facts.users.get(principal_id)
    group_ids = set(principal.group_ids if principal else ())
    assignments = principal.role_assignments if principal else {}
    for node in facts.nodes.values():
        group_ids.update(membership.group_id for membership in node.node_groups)
        group_ids.update(node.current_owner_groups)  # their members are owners (Kii)
        group_ids.update(assignments.get(node.primary_user_id or "", ()))
    for group_id, group in batch_get_groups(sorted(group_ids)).items():
        if isinstance(group, UserGroup):
            facts.user_groups[group_id] = group
        elif isinstance(group, NodeGroup):
            facts.node_groups[group_id] = group
        else:
            facts.roles[group_id] = group
    return facts


def load(node_ids: Sequence[str], user_ids: Sequence[str], user_rows: Sequence[str] = ()) -> Facts:
    """Every node, each listed user's association with each node, and the `user_rows` users."""
    keys: list[tuple[str, dict[str, Any]]] = []
    for node_id in dict.fromkeys(node_ids):
        keys.extend(node_keys([node_id]))
        keys.extend(
            (AssociationModel.Meta.table_name, {"node_id": {"S": node_id}, "user_id": {"S": user_id}})
            for user_id in dict.fromkeys(user_ids)
        )
    users_table = UserModel.Meta.table_name
    keys.extend((users_table, {"user_id": {"S": user_id}}) for user_id in dict.fromkeys(user_rows))
    found = batch_get_keys(keys)
    facts = Facts(nodes=nodes_from(found))
    for table, raw in found:
        if table == AssociationModel.Meta.table_name:
            association = to_association(AssociationModel.from_raw_data(raw))
            facts.associations[(association.node_id, association.user_id)] = association
        elif table == users_table:
            user = to_user(UserModel.from_raw_data(raw))
            facts.users[user.user_id] = user
    return facts


def node_keys(node_ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The keys a node is read by: its item and its config item (`NodeModel`, why apart)."""
    return [
        (model.Meta.table_name, {"node_id": {"S": node_id}})
        for node_id in dict.fromkeys(node_ids)
        for model in (NodeModel, NodeConfigModel)
    ]


def nodes_from(found: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Node]:
    """The nodes among items read by `node_keys` (with anything else): a node whose item was
    found, with its config (no config item: the one its item held before configs had items of
    their own, else an empty config)."""
    configs = {
        raw["node_id"]["S"]: NodeConfigModel.from_raw_data(raw).config
        for table, raw in found
        if table == NodeConfigModel.Meta.table_name
    }
    nodes = (NodeModel.from_raw_data(raw) for table, raw in found if table == NodeModel.Meta.table_name)
    return {
        item.node_id: to_node(item, plain(configs.get(item.node_id, item.config_before_its_own_item)) or {})
        for item in nodes
    }


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
    """BatchGetItem until nothing is left unprocessed, backing off between calls and giving up
    (Busy) after a bounded number (`store.clients.until_processed`); items by table name."""
    client = NodeModel._get_connection().connection.client
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in request}

    def call(keys: dict[str, Any]) -> dict[str, Any]:
        response = client.batch_get_item(RequestItems=keys)
        for table, items in response.get("Responses", {}).items():
            found[table].extend(items)
        return response.get("UnprocessedKeys") or {}

    until_processed(call, request)
    return found


BATCH_WRITE_LIMIT = 25  # put and delete requests per BatchWriteItem (a DynamoDB limit)


def batch_write(requests: list[tuple[str, dict[str, Any]]]) -> None:
    """(table, PutRequest / DeleteRequest) pairs written 25 per BatchWriteItem, what is left
    unprocessed sent again with backoff, bounded (`store.clients.until_processed`)."""
    client = NodeModel._get_connection().connection.client

    def call(items: dict[str, Any]) -> dict[str, Any]:
        return client.batch_write_item(RequestItems=items).get("UnprocessedItems") or {}

    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        request: dict[str, list[dict[str, Any]]] = {}
        for table, write in requests[start : start + BATCH_WRITE_LIMIT]:
            request.setdefault(table, []).append(write)
        until_processed(call, request)


def load_for_products(
    principal_id: str, product_ids: Sequence[str]
) -> tuple[User | None, dict[str, Product]]:
    """What deciding who may see products needs: the principal's user row (its projects) and the
    products, in one BatchGetItem up to 99 products (strongly consistent); a missing product, or an
    item of another kind, is left out."""
    groups = GroupModel.Meta.table_name
    keys = [(UserModel.Meta.table_name, {"user_id": {"S": principal_id}})]
    keys.extend((groups, {"group_id": {"S": product_id}}) for product_id in dict.fromkeys(product_ids))
    user, products = None, {}
    for table, raw in batch_get_keys(keys):
        if table == groups:
            item = GroupModel.from_raw_data(raw)
            if item.kind == PRODUCT:
                products[item.group_id] = to_product(item)
        else:
            user = to_user(UserModel.from_raw_data(raw))
    return user, products


def batch_get_groups(group_ids: Sequence[str]) -> dict[str, UserGroup | NodeGroup | RoleDefinition]:
    """Items of the groups table by id (user groups, node groups, roles), 100 per BatchGetItem,
    strongly consistent; missing ids, and items of other kinds (projects), are left out."""
    table = GroupModel.Meta.table_name
    readers: dict[str, Callable[[GroupModel], UserGroup | NodeGroup | RoleDefinition]] = {
        USER_GROUP: to_user_group,
        NODE_GROUP: to_node_group,
        ROLE: to_role,
    }
    found: dict[str, UserGroup | NodeGroup | RoleDefinition] = {}
    for _, raw in batch_get_keys(
        [(table, {"group_id": {"S": group_id}}) for group_id in dict.fromkeys(group_ids)]
    ):
        item = GroupModel.from_raw_data(raw)
        if (reader := readers.get(item.kind)) is not None:
            found[item.group_id] = reader(item)
    return found


def reachable_node_ids(user_id: str) -> list[str]:
    """Every node a user might reach, for the decision to check: the nodes of its association
    rows (GSI `by_user`), and the nodes granted to it or to its user groups (their
    `granted_targets`), directly or through node groups (their `node_ids`), each read by key.
    Current or not: the decision says which count. Round trips: the Query, the user row, its
    user groups, the node groups granted — batches of 100, however many groups."""
    rows = AssociationModel.by_user.query(user_id, attributes_to_get=["node_id"])
    node_ids = dict.fromkeys(row.node_id for row in rows)
    try:
        user = UserModel.get(user_id, consistent_read=True)
    except UserModel.DoesNotExist:
        return list(node_ids)
    targets = set(user.granted_targets or ())
    for group in batch_get_groups(sorted(user.group_ids or ())).values():
        if isinstance(group, UserGroup):
            targets.update(group.granted_targets)
    node_group_ids = sorted(
        target.removeprefix("node_group:") for target in targets if target.startswith("node_group:")
    )
    for node_group in batch_get_groups(node_group_ids).values():
        if isinstance(node_group, NodeGroup):
            targets.update(f"node:{node_id}" for node_id in node_group.node_ids)
    granted = sorted(target.removeprefix("node:") for target in targets if target.startswith("node:"))
    node_ids.update(dict.fromkeys(granted))
    return list(node_ids)


def group_item(item_id: str, kind: str) -> GroupModel | None:
    """One item of the groups table (a user group, node group, role or project), strongly
    consistent; None when it is missing or of another kind."""
    try:
        item = GroupModel.get(item_id, consistent_read=True)
    except GroupModel.DoesNotExist:
        return None
    return item if item.kind == kind else None
