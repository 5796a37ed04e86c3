"""Nodes: registration, listing, and the writes that change ownership or params.

A node is two items: the node item (`NodeModel`: who owns it, who may use it, its params) and its
config item (`NodeConfigModel`). Every read of a node reads both in one BatchGetItem (no round trip
more than one item); the config is written only with the node item, in one transaction. Apart,
because DynamoDB bills a write of an item by the item's whole size, not by what the write changes:
a params write (`write_params`, `report_params`) writes the node item and its archive record, so
its write units follow the node's params and access lists, never its config (up to 32 KB:
`domain.params.CONFIG_MAX_BYTES`). A ConditionCheck on an item would not avoid that: in a
TransactWriteItems it is billed as a write of the item checked (README, "Cost")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pynamodb.connection import Connection
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import ArchiveRecord, Node, Role
from nodeshare.model.errors import Conflict, NodeAlreadyExists
from nodeshare.model.levels import Level
from nodeshare.store.access import batch_get_keys, node_keys, nodes_from
from nodeshare.store.conditions import refused_as
from nodeshare.store.models import NODE_CATALOG, ArchiveModel, AssociationModel, NodeConfigModel, NodeModel
from nodeshare.store.records import archive_item, to_node


def _connection() -> Connection:
    return NodeModel._get_connection().connection


def access_unchanged(node: Node) -> Any:
    """The condition "who may do what on this node is still as read": the same epoch (no primary
    change) and access version (no secondary, level or grant change since). Items written
    before the version existed have none, which reads as 0."""
    version = NodeModel.access_version == node.access_version
    if node.access_version == 0:
        version |= NodeModel.access_version.does_not_exist()
    return (NodeModel.epoch == node.epoch) & version


def create(node: Node) -> None:
    """Register a node, its item and its config item in one transaction; refused if the id is
    taken."""
    item = NodeModel(
        node.node_id,
        name=node.name,
        type=node.type,
        secret_hash=node.secret_hash,
        params=node.params,
        tags=list(node.tags),
        scopes=node.scopes,
        epoch=node.epoch,
        created_at=node.created_at,
        product_id=node.product_id,
    )
    with (
        refused_as(NodeAlreadyExists(f"Node {node.node_id} already exists")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.save(item, condition=NodeModel.node_id.does_not_exist())
        transaction.save(NodeConfigModel(node.node_id, config=node.config))


def get(node_id: str) -> Node | None:
    """One node (its item and its config item), strongly consistent: one BatchGetItem."""
    return get_many([node_id]).get(node_id)


def get_many(node_ids: list[str]) -> dict[str, Node]:
    """Nodes by id, each its two items (`node_keys`), 100 keys per BatchGetItem; missing ids are
    left out."""
    return nodes_from(batch_get_keys(node_keys(node_ids)))


def list_page(start_id: str | None, limit: int) -> tuple[list[Node], str | None]:
    """Every node in id order, one page: the operators' catalog (never a Scan). Two round trips
    for a page of up to 100: the keys-only index's Query, then the items by key (BatchGetItem);
    a node deleted in between is left out."""
    last_key = {"catalog": {"S": NODE_CATALOG}, "node_id": {"S": start_id}} if start_id else None
    result = NodeModel.by_catalog.query(NODE_CATALOG, limit=limit, last_evaluated_key=last_key)
    node_ids = [item.node_id for item in result]
    next_key = result.last_evaluated_key
    found = get_many(node_ids)
    nodes = [found[node_id] for node_id in node_ids if node_id in found]
    return nodes, (next_key["node_id"]["S"] if next_key else None)


def claim(
    node: Node,
    user_id: str,
    user_name: str,
    now: int,
    also: Callable[[TransactWrite], None] | None = None,
) -> int:
    """Make `user_id` primary under a new epoch; refused if the node changed since it was read.
    `also` adds its own items to the same transaction (a mapping request confirmed by the claim).

    Earlier associations stay behind with the old epoch: they stop counting at once, and the
    stream processor deletes them.
    """
    new_epoch = node.epoch + 1
    with (
        refused_as(Conflict(f"Node {node.node_id} changed; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.update(
            NodeModel(node.node_id),
            actions=[*_new_epoch(new_epoch, user_id), NodeModel.owner_groups.remove()],
            condition=(NodeModel.node_id.exists() & (NodeModel.epoch == node.epoch)),
        )
        transaction.save(
            AssociationModel(
                node.node_id,
                user_id,
                user_name=user_name,
                role=Role.PRIMARY.value,
                level=Level.READ_WRITE_PERMISSION.value,
                epoch=new_epoch,
                created_at=now,
            )
        )
        if also is not None:
            also(transaction)
    return new_epoch


def _new_epoch(epoch: int, primary_user_id: str | None) -> list[Action]:
    """The node item's side of a new epoch (a claim, a release, a takeover by groups): the epoch,
    its primary (or none), and nothing of the old epoch's secondaries or grants; the stream
    processor must see it (`cascade_hint`). Owner groups are the caller's to set or remove."""
    return [
        NodeModel.epoch.set(epoch),
        NodeModel.primary_user_id.set(primary_user_id)
        if primary_user_id
        else NodeModel.primary_user_id.remove(),
        NodeModel.secondary_user_ids.remove(),
        NodeModel.rwp_user_ids.remove(),
        NodeModel.grants.remove(),  # every grant was made under the old epoch
        NodeModel.cascade_hint.set(True),  # a new epoch: the stream processor must see it
    ]


def release(node: Node, user_id: str) -> None:
    """The primary lets go: no primary, a new epoch (every secondary stops counting)."""
    with (
        refused_as(Conflict(f"Node {node.node_id} changed; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.update(
            NodeModel(node.node_id),
            actions=[*_new_epoch(node.epoch + 1, None), NodeModel.owner_groups.remove()],
            condition=(NodeModel.primary_user_id == user_id) & (NodeModel.epoch == node.epoch),
        )
        transaction.delete(AssociationModel(node.node_id, user_id))


def set_owner_groups(
    node: Node,
    group_ids: Sequence[str],
    *,
    new_epoch: bool,
    also: Callable[[TransactWrite], None] | None = None,
) -> int:
    """Make `group_ids` the node's owner groups (Kii); returns the node's epoch after.

    `new_epoch`: the groups take the node over (a claim of a node nobody owns, or after a reported
    reset; a PIN the node confirmed): a new epoch with no primary, so everything of the old one
    stops counting, as a claim does. Otherwise they own it beside its current owners, under the
    current epoch; if that leaves nobody owning the node (the last owner group removed, no
    primary), it is released: a new epoch, as when a primary releases it. One transaction (with
    what `also` adds: a PIN used), conditioned on the node's access as read; moves
    `access_version`."""
    epoch = node.epoch
    nobody = node.primary_user_id is None and not group_ids
    actions: list[Action] = [NodeModel.access_version.set(node.access_version + 1)]
    if new_epoch or nobody:
        epoch += 1
        actions += _new_epoch(epoch, None)
    else:
        actions.append(NodeModel.cascade_hint.set(True))  # owners change: the stream processor must see it
    groups = {group_id: {"epoch": epoch} for group_id in group_ids}
    actions.append(NodeModel.owner_groups.set(groups) if groups else NodeModel.owner_groups.remove())
    with (
        refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.update(NodeModel(node.node_id), actions=actions, condition=access_unchanged(node))
        if also is not None:
            also(transaction)
    return epoch


# DynamoDB takes at most 100 items per transaction; a params write is two per node (the node
# item and its archive record).
NODES_PER_TRANSACTION = 50


def write_params(writes: list[tuple[Node, dict[str, dict[str, Any]], ArchiveRecord]]) -> dict[str, Conflict]:
    """Set params on several nodes, each write conditioned on the access that allowed it: the
    node's epoch (primary changes) and access version (any secondary, level or grant change
    since) as read, and each saved to the archive in the same transaction as its node item.

    Each entry: (node as the decision read it, {device: {param: value}}, its archive record).
    Two items per node, so a transaction holds 50 nodes: up to 50 are all written (with their
    records) or none; more are written 50 at a time, in order, each transaction all or nothing
    whatever the others did. Writes are value sets, so retrying a request that was refused in
    part converges. Returns the nodes not written (a refused transaction's), each with its
    refusal.
    """
    refused: dict[str, Conflict] = {}
    for start in range(0, len(writes), NODES_PER_TRANSACTION):
        chunk = writes[start : start + NODES_PER_TRANSACTION]
        conflict = Conflict("Access changed while writing params; retry")
        try:
            with refused_as(conflict), TransactWrite(connection=_connection()) as transaction:
                for node, payload, record in chunk:
                    actions: list[Action] = [
                        NodeModel.params[device][param].set(value)
                        for device, values in payload.items()
                        for param, value in values.items()
                    ]
                    actions.append(NodeModel.cascade_hint.remove())  # filtered off the stream
                    transaction.update(
                        NodeModel(node.node_id), actions=actions, condition=access_unchanged(node)
                    )
                    transaction.save(archive_item(record), condition=ArchiveModel.record_id.does_not_exist())
        except Conflict:
            refused.update((node.node_id, conflict) for node, _, _ in chunk)
    return refused


def write_details(node: Node, tags: tuple[str, ...], metadata: dict[str, Any]) -> Node:
    """Set the node's tags and metadata (empty metadata removes the attribute) in one UpdateItem,
    conditioned on the access that allowed it (`access_unchanged`) and on both still being what
    `node` holds: a change that raced this one makes it fail as a Conflict, never lost."""
    condition = details_as_read(node)
    actions: list[Action] = [
        NodeModel.tags.set(list(tags)),  # type: ignore[arg-type]
        NodeModel.metadata.set(metadata) if metadata else NodeModel.metadata.remove(),
    ]
    with refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")):
        NodeModel(node.node_id).update(actions=actions, condition=condition)
    return replace(node, tags=tags, metadata=metadata)


def update_by_operator(node: Node, fields: dict[str, Any], param_values: dict[str, dict[str, Any]]) -> Node:
    """An operator's change of a node, one UpdateItem (with the config item's Put in one
    transaction when the config changes): `fields` replaces whole attributes (name,
    type, tags, secret_hash, config, params, scopes, product_id; None removes one),
    `param_values` sets single params in place
    (`{device: {param: value}}`), as a user's write does, so neither loses the other's values.

    Conditioned on what the change was computed from, so a racing change makes it a Conflict
    (the use case reads again and retries), never a lost update: the scopes as read when they
    change (a `+` / `-` update is applied to them), and the node's access as read when its config
    changes or params are set (they were checked against the config as read). A config change
    also moves `access_version`, so a user's params write checked against the old config is
    refused (409) rather than written under the new one. Returns the node as written."""
    condition: Any = NodeModel.node_id.exists()
    config = fields.get("config")
    actions: list[Action] = [
        getattr(NodeModel, name).set(value) if value is not None else getattr(NodeModel, name).remove()
        for name, value in fields.items()
        if name != "config"
    ]
    actions += [
        NodeModel.params[device][param].set(value)
        for device, values in param_values.items()
        for param, value in values.items()
    ]
    if "scopes" in fields:
        condition &= _scopes_as_read(node)
    if "config" in fields or param_values:
        condition &= access_unchanged(node)
    if "config" in fields:
        actions.append(NodeModel.access_version.set(node.access_version + 1))
    if "secret_hash" in fields:
        actions.append(NodeModel.secret_version.add(1))  # every earlier thing token stops working
    # Scopes may change (discovery follows): operators' changes are rare, the stream sees them all.
    actions.append(NodeModel.cascade_hint.set(True))
    if config is not None:
        # A transaction returns no item: the node as written is the one read with the changes.
        _write_with_config(node, actions, condition, config)
        written: dict[str, Any] = dict(fields)
        if "tags" in written:
            written["tags"] = tuple(written["tags"])
        secret_version = node.secret_version + (1 if "secret_hash" in fields else 0)
        return replace(node, **written, access_version=node.access_version + 1, secret_version=secret_version)
    item = NodeModel(node.node_id)
    with refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")):
        item.update(actions=actions, condition=condition)
    return to_node(item, node.config)


def _write_with_config(node: Node, actions: Sequence[Action], condition: Any, config: dict[str, Any]) -> None:
    """The node item's update and its config item's replacement, in one transaction (both or
    neither), conditioned on the node item; the config an older node item held goes with it."""
    actions = [*actions, NodeModel.config_before_its_own_item.remove()]
    with (
        refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.update(NodeModel(node.node_id), actions=actions, condition=condition)
        transaction.save(NodeConfigModel(node.node_id, config=config))


def secret_as_read(node: Node) -> Any:
    """The node's secret is still the one `node` was read with (`Node.secret_version`; absent
    reads as 0): a thing's report is written only while its token's secret is current."""
    same = NodeModel.secret_version == node.secret_version
    return same | NodeModel.secret_version.does_not_exist() if node.secret_version == 0 else same


def report_config(node: Node, config: dict[str, Any], params: dict[str, dict[str, Any]]) -> None:
    """A thing replaces its config (and the params kept under it) in one transaction of its two
    items, conditioned on its secret and on the node's access as read; moves `access_version`,
    so a user's params write checked against the old config is refused (409) rather than written
    under the new one."""
    actions = [NodeModel.params.set(params), NodeModel.access_version.set(node.access_version + 1)]
    _write_with_config(node, actions, access_unchanged(node) & secret_as_read(node), config)


def report_params(node: Node, values: dict[str, dict[str, Any]], record: ArchiveRecord) -> None:
    """A thing's current values, set in place beside users' values, and their archive record, in
    one transaction conditioned on its secret and on the config they were checked against."""
    actions: list[Action] = [
        NodeModel.params[device][param].set(value)
        for device, device_values in values.items()
        for param, value in device_values.items()
    ]
    actions.append(NodeModel.cascade_hint.remove())  # filtered off the stream
    with (
        refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.update(
            NodeModel(node.node_id), actions=actions, condition=secret_as_read(node) & access_unchanged(node)
        )
        transaction.save(archive_item(record), condition=ArchiveModel.record_id.does_not_exist())


def report_connectivity(node: Node, connected: bool, timestamp_ms: int) -> None:
    actions = [
        NodeModel.connected.set(connected),
        NodeModel.connectivity_timestamp_ms.set(timestamp_ms),
        NodeModel.cascade_hint.remove(),  # filtered off the stream
    ]
    _report(node, actions, NodeModel.node_id.exists())


def report_factory_reset(node: Node) -> None:
    """Record that the node was reset under its current epoch (a later claim moves the epoch, so
    the reset is good for one claim at most)."""
    _report(node, [NodeModel.reset_epoch.set(node.epoch)], NodeModel.epoch == node.epoch)


def _report(node: Node, actions: Sequence[Action], condition: Any) -> None:
    with refused_as(Conflict(f"Node {node.node_id} changed meanwhile; retry")):
        NodeModel(node.node_id).update(actions=list(actions), condition=condition & secret_as_read(node))


def _scopes_as_read(node: Node) -> Any:
    # `to_node` reads an absent (or empty) map as no scopes.
    if node.scopes:
        return NodeModel.scopes == node.scopes
    return NodeModel.scopes.does_not_exist() | (NodeModel.scopes == {})


def details_as_read(node: Node) -> Any:
    """The node's access, tags and metadata are still what `node` holds."""
    return access_unchanged(node) & _tags_as_read(node) & _metadata_as_read(node)


def _tags_as_read(node: Node) -> Any:
    # `to_node` reads an absent list as no tags.
    same = NodeModel.tags == list(node.tags)
    return same | NodeModel.tags.does_not_exist() if not node.tags else same


def _metadata_as_read(node: Node) -> Any:
    # `to_node` reads an absent (or empty) map as no metadata.
    if node.metadata:
        return NodeModel.metadata == node.metadata
    return NodeModel.metadata.does_not_exist() | (NodeModel.metadata == {})
