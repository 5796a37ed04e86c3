"""Node groups (RainMaker `node_group`, BuildingDepot sensor groups): named sets of nodes owned by
their creator, that grants and group sharing can name as their target.

- Only nodes the caller may share (`rwp` given to it directly, or primary: the one decision
  point's `Action.SHARE`) go in. A grant on the group then counts for a member node only while
  the node is in the group under the epoch it joined in and the owner still holds `rwp` or
  primary on it (`authorization._sources`): a transfer or re-claim of a node cuts it off at once.
- A node is in at most `MAX_GROUPS_PER_NODE` node groups, and at most one mutually exclusive
  group per owner. At most `MAX_NODE_CHANGES` nodes join or leave per request (one transaction).
- `parent_group_id` names another group of the caller's; `sub_groups=true` nests children.
- A group created with `tag: "k:v"` (BuildingDepot's sensor groups) holds its owner's nodes that
  carry the tag, as tags change: tagging or untagging a node moves it in or out of its primary's
  tag groups in the same transaction (`domain.node_details`). Its nodes cannot be added or removed
  by hand, and its tag is fixed. A node that changes primary drops out of the old owner's tag
  groups at once (its membership's epoch) and joins the new primary's when its tags next change.
- `is_matter`, which esp-rainmaker-cli sends for every top-level group, is accepted and ignored:
  nodeshare has no Matter fabric.
- The owner and operators see every node of the group; a user the group is shared with sees the
  nodes it may read.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from nodeshare.domain.authorization import (
    MAX_GROUPS_PER_NODE,
    Action,
    GroupAction,
    authorize_many,
    authorize_node_group,
    may_handle_node_group,
    sees_every_node_of,
)
from nodeshare.domain.nodes import UserNode, user_node
from nodeshare.model.entities import Node, NodeGroup, Principal, Role
from nodeshare.model.errors import BadRequest, GroupLimitReached
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import users as user_store
from nodeshare.store.access import batch_get_groups, reachable_node_ids

MAX_NODE_CHANGES = 99  # node items written in the one transaction, beside the group item
MAX_NODES_PER_GROUP = 1000
EDITABLE = ("name", "description", "custom_data", "type", "mutually_exclusive", "parent_group_id")


def new_group_id() -> str:
    return secrets.token_hex(10).upper()  # alphanumeric, as RainMaker's


def _check_parent(principal: Principal, parent_group_id: str | None, group_id: str | None = None) -> None:
    if parent_group_id is None:
        return
    if parent_group_id == group_id:
        raise BadRequest("A group cannot be its own parent")
    authorize_node_group(principal, GroupAction.OWN, parent_group_id)


def _joinable(principal: Principal, group: NodeGroup, node_ids: Sequence[str], now: int) -> list[Node]:
    """The nodes as the decision read them, if the caller may share every one; the limits."""
    nodes = [
        access.node
        for access in authorize_many(principal, Action.SHARE, node_ids, now).raise_first_refusal().values()
    ]
    for node in nodes:
        memberships = [m for m in node.node_groups if m.group_id != group.group_id]
        if len(memberships) >= MAX_GROUPS_PER_NODE:
            raise GroupLimitReached(f"Node {node.node_id} is in {MAX_GROUPS_PER_NODE} node groups already")
        if group.mutually_exclusive and any(
            m.exclusive and m.owner_user_id == group.owner_user_id for m in memberships
        ):
            raise BadRequest(f"Node {node.node_id} is in another mutually exclusive group")
    return nodes


def create_node_group(
    principal: Principal, fields: dict[str, Any], node_ids: Sequence[str], now: int
) -> NodeGroup:
    node_ids = list(dict.fromkeys(node_ids))
    if len(node_ids) > MAX_NODE_CHANGES:
        raise BadRequest(f"At most {MAX_NODE_CHANGES} nodes may join a group in one request")
    _check_parent(principal, fields.get("parent_group_id"))
    group = NodeGroup(
        group_id=new_group_id(),
        owner_user_id=principal.user_id,
        name=fields["name"],
        description=fields.get("description") or "",
        custom_data=fields.get("custom_data") or {},
        type=fields.get("type"),
        mutually_exclusive=bool(fields.get("mutually_exclusive")),
        parent_group_id=fields.get("parent_group_id"),
        created_at=now,
    )
    tag = fields.get("tag")
    if tag is not None:
        if node_ids or group.mutually_exclusive:
            raise BadRequest("A group defined by a tag takes no nodes and is not mutually exclusive")
        group = replace(group, tag=tag)
        node_ids = _tagged_nodes_of(principal, tag, now)
        if len(node_ids) > MAX_NODE_CHANGES:
            raise GroupLimitReached(f"More than {MAX_NODE_CHANGES} of your nodes carry {tag!r}")
    nodes = _joinable(principal, group, node_ids, now) if node_ids else []
    node_group_store.create(group, nodes)
    return replace(group, node_ids=frozenset(node_ids))


def _tagged_nodes_of(principal: Principal, tag: str, now: int) -> list[str]:
    """The caller's own nodes (it is their primary) that carry `tag`, as the decision reads them."""
    readable = authorize_many(principal, Action.READ, reachable_node_ids(principal.user_id), now).granted()
    return sorted(
        node_id
        for node_id, node_access in readable.items()
        if node_access.decision.role is Role.PRIMARY and tag in node_access.node.tags
    )


def edit_node_group(
    principal: Principal,
    group_id: str,
    changes: dict[str, Any],
    node_ids: Sequence[str],
    operation: str | None,
    now: int,
) -> NodeGroup:
    """Change the group's fields and/or add or remove nodes (`operation`), the owner only."""
    group = authorize_node_group(principal, GroupAction.OWN, group_id)
    if node_ids and operation is None:
        raise BadRequest("nodes need an operation: add or remove")
    if group.tag is not None and (node_ids or "tag" in changes):
        raise BadRequest(f"This group holds the nodes tagged {group.tag!r}: tag or untag nodes instead")
    _check_parent(principal, changes.get("parent_group_id"), group_id)
    if changes:
        node_group_store.update_details(group, changes)
        group = replace(group, version=group.version + 1, **changes)  # the API's names are the fields'
    node_ids = list(dict.fromkeys(node_ids))
    if len(node_ids) > MAX_NODE_CHANGES:
        raise BadRequest(f"At most {MAX_NODE_CHANGES} nodes may join or leave a group in one request")
    if operation == "add":
        joining = [node_id for node_id in node_ids if node_id not in group.node_ids]
        if len(group.node_ids) + len(joining) > MAX_NODES_PER_GROUP:
            raise GroupLimitReached(f"A group holds at most {MAX_NODES_PER_GROUP} nodes")
        nodes = _joinable(principal, group, joining, now) if joining else []
        if nodes:
            node_group_store.change_nodes(group, nodes, [])
        group = replace(group, node_ids=group.node_ids | set(joining))
    elif operation == "remove":
        # The owner may always take a node out, even one it can no longer share.
        leaving = [node_id for node_id in node_ids if node_id in group.node_ids]
        if leaving:
            node_group_store.change_nodes(group, [], leaving)
        group = replace(group, node_ids=group.node_ids - set(leaving))
    return group


def delete_node_group(principal: Principal, group_id: str) -> None:
    node_group_store.delete(authorize_node_group(principal, GroupAction.OWN, group_id))


@dataclass(frozen=True)
class GroupView:
    """A node group as one caller sees it: the group, its sub-groups and, when asked, the nodes
    the caller may read (all of them for the owner and operators)."""

    group: NodeGroup
    sub_groups: list[NodeGroup]
    nodes: list[UserNode]
    node_ids: list[str]


def show_node_group(
    principal: Principal, group_id: str, *, with_nodes: bool, sub_groups: bool, now: int
) -> GroupView:
    group = authorize_node_group(principal, GroupAction.VIEW, group_id)
    children = (
        [g for g in node_group_store.owned_by(group.owner_user_id) if g.parent_group_id == group.group_id]
        if sub_groups
        else []
    )
    node_ids = sorted(group.node_ids)
    nodes: list[UserNode] = []
    sees_every_member = sees_every_node_of(principal, group)
    if with_nodes or not sees_every_member:
        readable = authorize_many(principal, Action.READ, node_ids, now).granted()
        nodes = [user_node(readable[node_id]) for node_id in node_ids if node_id in readable]
        if not sees_every_member:
            node_ids = [node.node.node_id for node in nodes]
    return GroupView(group, children, nodes, node_ids)


def own_and_shared_node_groups(principal: Principal) -> dict[str, NodeGroup]:
    """The caller's own node groups and those shared with it (found through its user item's
    `granted_targets`; the decision says which still are), by group id."""
    owned = node_group_store.owned_by(principal.user_id)
    user = user_store.get(principal.user_id)
    shared_ids = sorted(
        target.removeprefix("node_group:")
        for target in (user.granted_targets if user else ())
        if target.startswith("node_group:")
    )
    shared = [
        group
        for group in batch_get_groups(shared_ids).values()
        if isinstance(group, NodeGroup)
        and group.owner_user_id != principal.user_id
        and may_handle_node_group(principal, GroupAction.VIEW, group)[0]
    ]
    return {group.group_id: group for group in [*owned, *shared]}


def list_node_groups(
    principal: Principal, start_id: str | None, limit: int, *, sub_groups: bool
) -> tuple[list[tuple[NodeGroup, list[NodeGroup]]], str | None]:
    """The caller's node groups and those shared with it, top-level ones (with their children
    when `sub_groups`), in group_id order, one page after `start_id`."""
    everything = own_and_shared_node_groups(principal)
    top = sorted(g for g, group in everything.items() if group.parent_group_id not in everything)
    after = [group_id for group_id in top if start_id is None or group_id > start_id]
    page = after[:limit]
    children = {
        group_id: sorted(
            (g for g in everything.values() if g.parent_group_id == group_id), key=lambda g: g.group_id
        )
        for group_id in page
    }
    listed = [(everything[group_id], children[group_id] if sub_groups else []) for group_id in page]
    return listed, (page[-1] if len(after) > limit else None)
