"""Grants (BuildingDepot permissions): each is written on its target, where the decision reads it
(the node item's `grants` map), and on its subject (`granted_targets` of the user or user group
item, for listing what a subject reaches), in one transaction conditioned on the target's access
being as read: its epoch and access version, which every grant change moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import GROUP_SUBJECT, USER_SUBJECT, Grant, Node
from nodeshare.model.errors import Conflict
from nodeshare.store.conditions import applied, refused_as
from nodeshare.store.models import GroupModel, NodeModel, UserModel
from nodeshare.store.nodes import access_unchanged
from nodeshare.store.records import grant_item

NODE_TARGET, NODE_GROUP_TARGET = "node:", "node_group:"


def _connection() -> Connection:
    return NodeModel._get_connection().connection


def index_subject(transaction: TransactWrite, subject: str, *targets: str) -> None:
    """The subject side: its item's `granted_targets` gains the targets (the item must exist, so a
    group deleted meanwhile refuses the grant), in one write: a transaction may touch an item
    once. A subject with no item (an e-mail without an account) has no side to write."""
    if subject.startswith(USER_SUBJECT):
        transaction.update(
            UserModel(subject.removeprefix(USER_SUBJECT)),
            actions=[UserModel.granted_targets.add(set(targets))],
            condition=UserModel.user_id.exists(),
        )
    elif subject.startswith(GROUP_SUBJECT):
        transaction.update(
            GroupModel(subject.removeprefix(GROUP_SUBJECT)),
            actions=[GroupModel.granted_targets.add(set(targets))],
            condition=GroupModel.group_id.exists(),
        )


def unindex_subject(subject: str, *targets: str) -> None:
    """Take the targets off the subject's `granted_targets`, if its item still exists (a stale entry
    left behind only costs a listing one decision that says no)."""
    if subject.startswith(USER_SUBJECT):
        applied(
            UserModel(subject.removeprefix(USER_SUBJECT)).update,
            actions=[UserModel.granted_targets.delete(set(targets))],
            condition=UserModel.user_id.exists(),
        )
    elif subject.startswith(GROUP_SUBJECT):
        applied(
            GroupModel(subject.removeprefix(GROUP_SUBJECT)).update,
            actions=[GroupModel.granted_targets.delete(set(targets))],
            condition=GroupModel.group_id.exists(),
        )


def set_on_node(node: Node, grant: Grant) -> None:
    """Add or replace the subject's grant on the node, if the node's access is still as read."""
    with (
        refused_as(Conflict("Access to the node changed meanwhile; retry")),
        TransactWrite(connection=_connection()) as transaction,
    ):
        set_on_node_in(transaction, node, grant)


def set_on_node_in(transaction: TransactWrite, node: Node, grant: Grant) -> None:
    """The writes of `set_on_node` (two items), in the caller's transaction: accepting a
    permission request grants in the same transaction that marks it accepted."""
    entry = grant_item(grant)
    # The map may not exist yet on the item: with no grants read, the whole map is written (the
    # access version in the condition guarantees no grant was added meanwhile).
    write = (
        NodeModel.grants[grant.subject].set(entry)
        if node.grants
        else NodeModel.grants.set({grant.subject: entry})
    )
    transaction.update(
        NodeModel(node.node_id),
        actions=[write, NodeModel.access_version.add(1)],
        condition=access_unchanged(node),
    )
    index_subject(transaction, grant.subject, NODE_TARGET + node.node_id)


def remove_from_node(node: Node, subject: str) -> None:
    """Remove the subject's grant on the node, if the node's access is still as read; then its
    subject side."""
    with refused_as(Conflict("Access to the node changed meanwhile; retry")):
        NodeModel(node.node_id).update(
            actions=[NodeModel.grants[subject].remove(), NodeModel.access_version.add(1)],
            condition=access_unchanged(node),
        )
    unindex_subject(subject, NODE_TARGET + node.node_id)


def drop_subject(subject: str, targets: Sequence[str]) -> int:
    """The cascade of a deleted user group: remove its grants from the nodes it was granted
    (idempotent; it already counted for nothing, its group being gone)."""
    dropped = 0
    for target in targets:
        if target.startswith(NODE_TARGET) and applied(
            NodeModel(target.removeprefix(NODE_TARGET)).update,
            actions=[NodeModel.grants[subject].remove(), NodeModel.access_version.add(1)],
            condition=NodeModel.grants[subject].exists(),
        ):
            dropped += 1
    return dropped
