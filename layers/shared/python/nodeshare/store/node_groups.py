"""Node groups: the group item (its `node_ids` and the grants on it) and, in the same transactions,
each member node's `node_groups` entry, which the decision reads with the node.

Adding a node is an access change for that node (grants on the group now reach it): the node
item's access version moves and the write is conditioned on the node's access as read, so it
cannot race a transfer or re-claim. Every group change is conditioned on the group's version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import Grant, Node, NodeGroup
from nodeshare.model.errors import Conflict
from nodeshare.store.access import group_item
from nodeshare.store.conditions import applied, refused_as
from nodeshare.store.grants import NODE_GROUP_TARGET, index_subject, unindex_subject
from nodeshare.store.models import NODE_GROUP, GroupModel, NodeModel
from nodeshare.store.nodes import access_unchanged, details_as_read
from nodeshare.store.records import grant_item, to_node_group

CHANGED = Conflict("The group or one of its nodes changed meanwhile; retry")


def _connection() -> Connection:
    return GroupModel._get_connection().connection


def _join(transaction: TransactWrite, group: NodeGroup, node: Node) -> None:
    entry = _entry(group, node)
    # With no node group read, the whole map is written (the access version guarantees none was added).
    if node.node_groups:
        write = NodeModel.node_groups[group.group_id].set(entry)
    else:
        write = NodeModel.node_groups.set({group.group_id: entry})
    transaction.update(
        NodeModel(node.node_id),
        actions=[write, NodeModel.access_version.add(1)],
        condition=access_unchanged(node),
    )


def tag_groups(owner_user_id: str) -> list[NodeGroup]:
    """The owner's node groups defined by a tag (GSI `by_owner`, every page)."""
    condition = (GroupModel.kind == NODE_GROUP) & GroupModel.tag.exists()
    return [
        to_node_group(item) for item in GroupModel.by_owner.query(owner_user_id, filter_condition=condition)
    ]


def retag(
    node: Node,
    tags: tuple[str, ...],
    metadata: dict[str, Any],
    joining: Sequence[NodeGroup],
    leaving: Sequence[NodeGroup],
) -> None:
    """Set the node's tags and metadata and move it into (or out of) the tag groups its new tags
    select, in one transaction: the node conditioned on its access, tags and metadata as read,
    each group on its version."""
    actions: list[Any] = [
        NodeModel.tags.set(list(tags)),  # type: ignore[arg-type]
        NodeModel.metadata.set(metadata) if metadata else NodeModel.metadata.remove(),
        NodeModel.access_version.add(1),
    ]
    entries = {group.group_id: _entry(group, node) for group in joining}
    if entries and not node.node_groups:
        actions.append(NodeModel.node_groups.set(entries))
    else:
        actions.extend(NodeModel.node_groups[group_id].set(entry) for group_id, entry in entries.items())
    actions.extend(NodeModel.node_groups[group.group_id].remove() for group in leaving)
    with refused_as(CHANGED), TransactWrite(connection=_connection()) as transaction:
        transaction.update(NodeModel(node.node_id), actions=actions, condition=details_as_read(node))
        for group in joining:
            transaction.update(
                GroupModel(group.group_id),
                actions=[GroupModel.node_ids.add({node.node_id}), GroupModel.version.add(1)],
                condition=GroupModel.version == group.version,
            )
        for group in leaving:
            transaction.update(
                GroupModel(group.group_id),
                actions=[GroupModel.node_ids.delete({node.node_id}), GroupModel.version.add(1)],
                condition=GroupModel.version == group.version,
            )


def _entry(group: NodeGroup, node: Node) -> dict[str, Any]:
    return {"owner": group.owner_user_id, "epoch": node.epoch, "exclusive": group.mutually_exclusive}


def membership_handed_over(group: NodeGroup, new_owner_user_id: str, new_epoch: int) -> Any:
    """The node item's action for a node handed over with its group: its membership names the new
    owner and the node's new epoch (under which the new owner's grants on the group count)."""
    entry = {"owner": new_owner_user_id, "epoch": new_epoch, "exclusive": group.mutually_exclusive}
    return NodeModel.node_groups[group.group_id].set(entry)


def hand_over_in(transaction: TransactWrite, group: NodeGroup, new_owner_user_id: str) -> None:
    """The group item's side of a group transfer, in the caller's transaction: the new owner, and
    none of the old owner's grants or its parent group (they were the old owner's to give and to
    keep); conditioned on the group as read."""
    transaction.update(
        GroupModel(group.group_id),
        actions=[
            GroupModel.owner_user_id.set(new_owner_user_id),
            GroupModel.grants.remove(),
            GroupModel.parent_group_id.remove(),
            GroupModel.version.add(1),
        ],
        condition=(GroupModel.version == group.version) & (GroupModel.owner_user_id == group.owner_user_id),
    )


def _leave(transaction: TransactWrite, group_id: str, node_id: str) -> None:
    transaction.update(
        NodeModel(node_id),
        actions=[NodeModel.node_groups[group_id].remove(), NodeModel.access_version.add(1)],
        condition=NodeModel.node_groups[group_id].exists(),
    )


def create(group: NodeGroup, nodes: Sequence[Node]) -> None:
    """The group item and its first nodes, in one transaction."""
    item = GroupModel(
        group.group_id,
        kind=NODE_GROUP,
        owner_user_id=group.owner_user_id,
        name=group.name,
        description=group.description or None,
        created_at=group.created_at,
        version=0,
        node_ids={node.node_id for node in nodes} or None,
        custom_data=group.custom_data or None,
        group_type=group.type,
        mutually_exclusive=group.mutually_exclusive,
        parent_group_id=group.parent_group_id,
        tag=group.tag,
    )
    with refused_as(CHANGED), TransactWrite(connection=_connection()) as transaction:
        transaction.save(item, condition=GroupModel.group_id.does_not_exist())
        for node in nodes:
            _join(transaction, group, node)


def get(group_id: str) -> NodeGroup | None:
    """The node group, strongly consistent; None for a missing group or a user group."""
    item = group_item(group_id, NODE_GROUP)
    return to_node_group(item) if item is not None else None


def owned_by(user_id: str) -> list[NodeGroup]:
    """Every node group the user owns (GSI `by_owner`, every page), in group_id order."""
    return [
        to_node_group(item)
        for item in GroupModel.by_owner.query(user_id, filter_condition=GroupModel.kind == NODE_GROUP)
    ]


def update_details(group: NodeGroup, changes: dict[str, Any]) -> None:
    """Set the RainMaker fields given (`name`, `description`, `custom_data`, `type`,
    `mutually_exclusive`, `parent_group_id`), if the group is still as read."""
    attributes = {
        "name": GroupModel.name,
        "description": GroupModel.description,
        "custom_data": GroupModel.custom_data,
        "type": GroupModel.group_type,
        "mutually_exclusive": GroupModel.mutually_exclusive,
        "parent_group_id": GroupModel.parent_group_id,
    }
    actions = [attributes[name].set(value) for name, value in changes.items()]  # type: ignore[attr-defined]
    with refused_as(CHANGED):
        GroupModel(group.group_id).update(
            actions=[*actions, GroupModel.version.add(1)], condition=GroupModel.version == group.version
        )


def change_nodes(group: NodeGroup, joining: Sequence[Node], leaving: Sequence[str]) -> None:
    """One transaction: the group's `node_ids` and each joining or leaving node's entry."""
    actions: list[Any] = [GroupModel.version.add(1)]
    if joining:
        actions.append(GroupModel.node_ids.add({node.node_id for node in joining}))
    if leaving:
        actions.append(GroupModel.node_ids.delete(set(leaving)))
    with refused_as(CHANGED), TransactWrite(connection=_connection()) as transaction:
        transaction.update(
            GroupModel(group.group_id), actions=actions, condition=GroupModel.version == group.version
        )
        for node in joining:
            _join(transaction, group, node)
        for node_id in leaving:
            _leave(transaction, group.group_id, node_id)


def delete(group: NodeGroup) -> None:
    """Delete the group item: nothing counts through it from now on (the decision needs it); the
    stream processor then takes it off its nodes (`forget_deleted`)."""
    with refused_as(CHANGED):
        GroupModel(group.group_id).delete(condition=GroupModel.version == group.version)


def forget_deleted(group_id: str, node_ids: Sequence[str]) -> int:
    """The cascade of a deleted node group: take it off each node item (idempotent)."""
    forgotten = 0
    for node_id in node_ids:
        if applied(
            NodeModel(node_id).update,
            actions=[NodeModel.node_groups[group_id].remove(), NodeModel.access_version.add(1)],
            condition=NodeModel.node_groups[group_id].exists(),
        ):
            forgotten += 1
    return forgotten


def set_grant(group: NodeGroup, grant: Grant) -> None:
    """Add or replace the subject's grant on the group, if the group is still as read."""
    with refused_as(CHANGED), TransactWrite(connection=_connection()) as transaction:
        set_grant_in(transaction, group, grant)
        index_subject(transaction, grant.subject, NODE_GROUP_TARGET + group.group_id)


def set_grant_in(transaction: TransactWrite, group: NodeGroup, grant: Grant) -> None:
    """The group side of `set_grant`, in the caller's transaction (accepting a group share grants
    on each of its groups in the transaction that marks it accepted, and writes the subject side
    once for all of them)."""
    entry = grant_item(grant)
    if group.grants:
        write = GroupModel.grants[grant.subject].set(entry)
    else:
        write = GroupModel.grants.set({grant.subject: entry})
    transaction.update(
        GroupModel(group.group_id),
        actions=[write, GroupModel.version.add(1)],
        condition=GroupModel.version == group.version,
    )


def remove_grant(group: NodeGroup, subject: str) -> None:
    remove_grants([group], subject)


def remove_grants(groups: Sequence[NodeGroup], subject: str) -> None:
    """Remove the subject's grant from each group, in one transaction (each group still as read),
    then the groups from the subject's index."""
    if not groups:
        return
    with refused_as(CHANGED), TransactWrite(connection=_connection()) as transaction:
        for group in groups:
            transaction.update(
                GroupModel(group.group_id),
                actions=[GroupModel.grants[subject].remove(), GroupModel.version.add(1)],
                condition=GroupModel.version == group.version,
            )
    unindex_subject(subject, *(NODE_GROUP_TARGET + group.group_id for group in groups))
