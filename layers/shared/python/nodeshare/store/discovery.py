"""The discovery index (`DiscoveryModel`): which unclaimed nodes each scope entry reaches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nodeshare.store.models import DiscoveryModel

ALL = "all"


def scope_keys(user_id: str, project_ids: Iterable[str]) -> list[str]:
    """The index partitions a user's discoverable nodes are in."""
    return [
        f"user:{user_id}",
        f"user:{ALL}",
        f"project:{ALL}",
        *(f"project:{p}" for p in sorted(project_ids)),
    ]


def _owner_groups_now(image: Mapping[str, Any]) -> bool:
    epoch = int(image.get("epoch") or 0)
    return any(int(entry["epoch"]) == epoch for entry in (image.get("owner_groups") or {}).values())


def entries(image: Mapping[str, Any] | None) -> set[str]:
    """The partitions a node item (a stream image) belongs in: its scope entries while nobody owns
    it (no primary, no owner group of its current epoch), none once claimed or deleted."""
    if not image or image.get("primary_user_id") or _owner_groups_now(image):
        return set()
    scopes = image.get("scopes") or {}
    return {f"user:{u}" for u in scopes.get("users") or ()} | {
        f"project:{p}" for p in scopes.get("projects") or ()
    }


def reindex(node_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> int:
    """Bring the node's entries from what `old` needed to what `new` needs (idempotent: puts and
    deletes by key); how many items were written."""
    before, after = entries(old), entries(new)
    with DiscoveryModel.batch_write() as batch:
        for scope in sorted(after - before):
            batch.save(DiscoveryModel(scope, node_id))
        for scope in sorted(before - after):
            batch.delete(DiscoveryModel(scope, node_id))
    return len(after ^ before)


def page(scopes: Iterable[str], start_id: str | None, limit: int) -> tuple[list[str], bool]:
    """The first `limit` node ids after `start_id` over the partitions, in id order, and whether
    more may follow. One Query per partition (each returns at most `limit`: the union's first
    `limit` are among them)."""
    found: set[str] = set()
    truncated = False
    for scope in scopes:
        condition = DiscoveryModel.node_id > start_id if start_id else None
        result = DiscoveryModel.query(scope, range_key_condition=condition, limit=limit, consistent_read=True)
        found.update(item.node_id for item in result)
        truncated = truncated or result.last_evaluated_key is not None
    ordered = sorted(found)
    return ordered[:limit], truncated or len(ordered) > limit
