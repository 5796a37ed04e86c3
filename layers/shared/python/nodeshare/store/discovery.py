"""The discovery index (`DiscoveryModel`): which unclaimed nodes, and which products, each scope
entry reaches. Products' partitions are their scope entries prefixed `PRODUCTS`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nodeshare.store.access import batch_write
from nodeshare.store.models import PRODUCT, DiscoveryModel

ALL = "all"
PRODUCTS = "product/"  # the prefix of products' partitions


def scope_keys(user_id: str, project_ids: Iterable[str], prefix: str = "") -> list[str]:
    """The index partitions a user's discoverable nodes (`prefix` ""), or products (`PRODUCTS`),
    are in."""
    return [
        f"{prefix}user:{user_id}",
        f"{prefix}user:{ALL}",
        f"{prefix}project:{ALL}",
        *(f"{prefix}project:{p}" for p in sorted(project_ids)),
    ]


def _owner_groups_now(image: Mapping[str, Any]) -> bool:
    epoch = int(image.get("epoch") or 0)
    return any(int(entry["epoch"]) == epoch for entry in (image.get("owner_groups") or {}).values())


def _scope_entries(scopes: Mapping[str, Any], prefix: str = "") -> set[str]:
    return {f"{prefix}user:{u}" for u in scopes.get("users") or ()} | {
        f"{prefix}project:{p}" for p in scopes.get("projects") or ()
    }


def entries(image: Mapping[str, Any] | None) -> set[str]:
    """The partitions a node item (a stream image) belongs in: its scope entries while nobody owns
    it (no primary, no owner group of its current epoch), none once claimed or deleted."""
    if not image or image.get("primary_user_id") or _owner_groups_now(image):
        return set()
    return _scope_entries(image.get("scopes") or {})


def product_entries(image: Mapping[str, Any] | None) -> set[str]:
    """The partitions a product (a groups table stream image) belongs in: its scope entries,
    prefixed; none once deleted, or for any other kind of item."""
    if not image or image.get("kind") != PRODUCT:
        return set()
    return _scope_entries(image.get("scopes") or {}, PRODUCTS)


def reindex(node_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> int:
    """Bring the node's entries from what `old` needed to what `new` needs (idempotent: puts and
    deletes by key); how many items were written."""
    return _move(node_id, entries(old), entries(new))


def reindex_product(product_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> int:
    """`reindex` for a product's entries."""
    return _move(product_id, product_entries(old), product_entries(new))


def _move(item_id: str, before: set[str], after: set[str]) -> int:
    table = DiscoveryModel.Meta.table_name

    def key(scope: str) -> dict[str, Any]:
        return {"scope": {"S": scope}, "node_id": {"S": item_id}}

    batch_write(
        [(table, {"PutRequest": {"Item": key(scope)}}) for scope in sorted(after - before)]
        + [(table, {"DeleteRequest": {"Key": key(scope)}}) for scope in sorted(before - after)]
    )
    return len(after ^ before)


def page(scopes: Iterable[str], start_id: str | None, limit: int) -> tuple[list[str], bool]:
    """The first `limit` node (or product) ids after `start_id` over the partitions, in id order, and whether
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
