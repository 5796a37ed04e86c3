"""A node's tags and metadata (esp-rainmaker-cli `node add-tags`, `remove-tags`, `set-metadata`,
`delete-metadata`; `PUT` and `DELETE /v1/user/nodes?node_id=`).

- **Who.** Managing tags and metadata is a `share` of the node (SPEC §1.1: "share (grant, revoke,
  tags, groups)"): the primary, or a user given `rwp` itself; everyone else is refused by the one
  decision (404 if it may not know the node, 403 if it may). Everyone who may read the node reads
  them (`node_details`).
- **Tags** are strings of 1 to 128 characters, at most `MAX_TAGS` per node. esp-rainmaker-cli
  insists on `key:value` before it sends `add-tags`, but not for `remove-tags`, and operators
  register nodes with any tags; so nodeshare takes any such string and leaves the format to
  clients. Adding a tag the node has, or removing one it has not, changes nothing (and is no
  error); an addition that would leave more than `MAX_TAGS` is refused whole (400).
- **Metadata** is a JSON object, merged shadow-style as the CLI's help says: new keys are added,
  existing ones replaced, a key set to null is deleted, nested objects merge the same way, arrays
  and other values replace what was there; `{"metadata": null}` deletes all of it. The result
  must pass `stored_json.check_storable` (8 KB, 8 levels, keys of 1 to 64 characters, numbers
  DynamoDB holds), else 400 and nothing is written.
- **One conditional write, no lost update.** The decision reads the node; the new tags and
  metadata are computed from it and written in one UpdateItem conditioned on the node's access
  being unchanged (`access_unchanged`) and on the tags and metadata still being exactly what was
  read. Computing from the read value is what lets a change be checked whole (the tag limit, the
  metadata's size) — an update expression alone could not. If another change won the race, the
  node is read (and the caller authorized) again and the change recomputed, once; a second loss
  is a 409 Conflict.
- **Tag groups.** A node group defined by a tag (`domain.node_groups`) holds its owner's nodes
  that carry the tag: a tag change that moves the node into or out of the primary's tag groups
  writes the node and those groups in one transaction, and moves the node's access version (grants
  on the group now reach it, or no longer). Other tag and metadata changes leave access alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nodeshare.domain.authorization import MAX_GROUPS_PER_NODE, Action, authorize
from nodeshare.domain.stored_json import check_storable
from nodeshare.model.entities import Node, NodeGroup, Principal
from nodeshare.model.errors import BadRequest, Conflict, GroupLimitReached
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import nodes as node_store

MAX_TAGS = 50
MAX_TAG_GROUP_MOVES = 99  # group items written beside the node item in one transaction
WRITE_ATTEMPTS = 2  # the first write and one retry after losing a race


@dataclass(frozen=True)
class DetailsChange:
    """What one request changes; empty parts leave their attribute alone."""

    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    metadata_patch: dict[str, Any] | None = None  # merged shadow-style (`merge_metadata`)
    clear_metadata: bool = False  # `{"metadata": null}`: delete all metadata


def merge_metadata(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Shadow-style merge: null deletes a key, objects merge key by key, anything else (arrays
    included) replaces the value. Neither argument is modified."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            base = merged.get(key)
            merged[key] = merge_metadata(base if isinstance(base, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def changed_tags(current: tuple[str, ...], add: tuple[str, ...], remove: tuple[str, ...]) -> tuple[str, ...]:
    """The node's tags after the change, in the order they were added; at most `MAX_TAGS`."""
    removed = set(remove)
    tags = tuple(dict.fromkeys(tag for tag in (*current, *add) if tag not in removed))
    if len(tags) > MAX_TAGS and len(tags) > len(current):
        raise BadRequest(f"A node may have at most {MAX_TAGS} tags; this would make {len(tags)}")
    return tags


def tag_group_moves(node: Node, tags: tuple[str, ...]) -> tuple[list[NodeGroup], list[NodeGroup]]:
    """The primary's tag groups the node joins and leaves when its tags become `tags`."""
    if tags == node.tags or node.primary_user_id is None:
        return [], []
    groups = node_group_store.tag_groups(node.primary_user_id)
    joining = [g for g in groups if g.tag in tags and node.node_id not in g.node_ids]
    leaving = [g for g in groups if g.tag not in tags and node.node_id in g.node_ids]
    if len(node.node_groups) + len(joining) - len(leaving) > MAX_GROUPS_PER_NODE:
        raise GroupLimitReached(
            f"Node {node.node_id} would be in more than {MAX_GROUPS_PER_NODE} node groups"
        )
    if len(joining) + len(leaving) > MAX_TAG_GROUP_MOVES:
        raise GroupLimitReached(
            f"A tag change may move a node in or out of at most {MAX_TAG_GROUP_MOVES} groups"
        )
    return joining, leaving


def change_node_details(principal: Principal, node_id: str, change: DetailsChange, now: int) -> Node:
    """Apply `change` to the node's tags and metadata; returns the node as written."""
    check_storable([*change.add_tags, *change.remove_tags], "tags")
    if change.metadata_patch is not None:
        check_storable(change.metadata_patch, "metadata")
    for attempt in range(WRITE_ATTEMPTS):
        node = authorize(principal, Action.SHARE, node_id, now).node
        tags = changed_tags(node.tags, change.add_tags, change.remove_tags)
        metadata = node.metadata
        if change.clear_metadata:
            metadata = {}
        elif change.metadata_patch is not None:
            metadata = merge_metadata(node.metadata, change.metadata_patch)
            check_storable(metadata, "metadata")
        if tags == node.tags and metadata == node.metadata:
            return node
        joining, leaving = tag_group_moves(node, tags)
        try:
            if joining or leaving:
                node_group_store.retag(node, tags, metadata, joining, leaving)
                return replace(node, tags=tags, metadata=metadata)
            return node_store.write_details(node, tags, metadata)
        except Conflict:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
