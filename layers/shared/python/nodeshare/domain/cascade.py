"""What the stream processor does with each change (SPEC §2.1, §2.2).

Authorization never waits for this: stale rows already stop counting through the epoch check.
The cascade only tidies up, so it must be idempotent (a redelivered record deletes nothing more).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nodeshare.model.entities import RequestStatus
from nodeshare.observability import Count, count, logger
from nodeshare.store import associations as association_store
from nodeshare.store import attempts as attempt_store
from nodeshare.store import discovery as discovery_store
from nodeshare.store import grants as grant_store
from nodeshare.store import group_share_requests as group_share_request_store
from nodeshare.store import groups as group_store
from nodeshare.store import mappings as mapping_store
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import pins as pin_store
from nodeshare.store import requests as request_store
from nodeshare.store.models import PRODUCT, PROJECT, REQUEST_HEADER, ROLE, USER_GROUP
from nodeshare.store.stream_filters import DYNAMODB_SERVICE

__all__ = ["DYNAMODB_SERVICE", "Change", "acts_on", "apply"]
# Items of the requests table that nobody answers: steps of a claim and wrong-guess counters.
UNANSWERED_KINDS = frozenset({pin_store.KIND, mapping_store.KIND, attempt_store.KIND})


@dataclass(frozen=True)
class Change:
    """One stream record, as plain data."""

    table: str  # logical table name: "nodes", "requests", ...
    event: str  # INSERT | MODIFY | REMOVE
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    by_ttl: bool = False  # deleted by DynamoDB's TTL sweep, not by a user


def epoch_advanced(change: Change) -> int | None:
    """The node's new epoch when its primary changed or it was released, else None."""
    if change.table != "nodes" or change.event != "MODIFY" or not change.old or not change.new:
        return None
    old_epoch, new_epoch = int(change.old.get("epoch", 0)), int(change.new.get("epoch", 0))
    return new_epoch if new_epoch > old_epoch else None


def _is_product(change: Change) -> bool:
    return change.table == "groups" and PRODUCT in (
        (change.old or {}).get("kind"),
        (change.new or {}).get("kind"),
    )


def acts_on(change: Change) -> bool:
    """Whether `apply` does anything with this change. The stream filters
    (`store.stream_filters`) must let every such record through; `apply` ignores the others, so
    a new cascade that is not named here does not run, and its tests say so."""
    if change.table == "nodes":
        moved = discovery_store.entries(change.old) != discovery_store.entries(change.new)
        return moved or epoch_advanced(change) is not None or (change.by_ttl and change.old is not None)
    if _is_product(change):
        return discovery_store.product_entries(change.old) != discovery_store.product_entries(change.new)
    if change.table == "groups" and change.event == "REMOVE" and change.old is not None:
        return change.old.get("kind") not in (ROLE, PROJECT)
    return change.by_ttl and change.old is not None


def apply(change: Change) -> None:
    if not acts_on(change):
        return
    if change.table == "nodes":
        image = change.new or change.old or {}
        # Scoped discovery's index follows each node item: registered, rescoped, claimed, released.
        discovery_store.reindex(str(image["node_id"]), change.old, change.new)
    elif _is_product(change):
        # ... and each product's: created, rescoped, deleted (nothing else to tidy).
        image = change.new or change.old or {}
        discovery_store.reindex_product(str(image["group_id"]), change.old, change.new)
        return
    new_epoch = epoch_advanced(change)
    if new_epoch is not None and change.new is not None:
        node_id = str(change.new["node_id"])
        deleted = association_store.delete_stale(node_id, new_epoch)
        dropped = request_store.drop_stale_lines(node_id, new_epoch)
        # The node item dropped its grants with the epoch; their subjects' index entries go now.
        for subject in (change.old or {}).get("grants") or {}:
            grant_store.unindex_subject(subject, f"node:{node_id}")
        count(Count.CASCADE_DELETIONS, deleted + dropped)
        logger.info(
            "cascade",
            node_id=node_id,
            epoch=new_epoch,
            associations_deleted=deleted,
            requests_dropped=dropped,
        )
    elif change.table == "groups" and change.event == "REMOVE" and change.old is not None:
        # A deleted role counts for nothing: nothing to tidy; a project's users' rows were
        # tidied in the transaction that deleted it (`store.projects.delete`).
        if change.old.get("kind") not in (ROLE, PROJECT):
            forget_group(change.old)
    elif change.by_ttl and change.old is not None:
        # Expiry is recorded as such, not mistaken for a user's cancel or decline.
        logger.info("expired", table=change.table, key=_key(change.old))
        if expired_unanswered(change):
            count(Count.REQUESTS_EXPIRED)


def expired_unanswered(change: Change) -> bool:
    """DynamoDB's TTL deleted a request one user made another (share, group share, permission)
    while it was still pending: an expiry to count. Answered requests expire too, and so do a
    request's node lines, PINs, mapping requests and wrong-guess counters: none of them counts."""
    old = change.old or {}
    return (
        change.by_ttl
        and change.table == "requests"
        and old.get("sk") == REQUEST_HEADER
        and old.get("status") == RequestStatus.PENDING.value
        and old.get("kind") not in UNANSWERED_KINDS
    )


def forget_group(old: dict[str, Any]) -> None:
    """A group was deleted: it already counts for nothing (the decision needs its item). A user
    group leaves its members' user items and its grants leave their targets; a node group leaves
    its nodes' items, its grants leave their subjects' indexes, and its owner's pending group
    share requests that named it and no other group it still owns are deleted."""
    group_id = str(old["group_id"])
    if old.get("kind") == USER_GROUP:
        members = [str(m["user_id"]) for m in (old.get("members") or {}).values() if m.get("user_id")]
        forgotten = group_store.forget_deleted(group_id, members)
        dropped = grant_store.drop_subject(f"group:{group_id}", sorted(old.get("granted_targets") or ()))
    else:
        forgotten = node_group_store.forget_deleted(group_id, sorted(old.get("node_ids") or ()))
        for subject in old.get("grants") or {}:
            grant_store.unindex_subject(subject, f"node_group:{group_id}")
        dropped = len(old.get("grants") or {})
        requests = group_share_request_store.drop_left_without_groups(str(old["owner_user_id"]), group_id)
        count(Count.CASCADE_DELETIONS, requests)
        logger.info("group share requests dropped", group_id=group_id, requests_dropped=requests)
    logger.info("group deleted", group_id=group_id, members_forgotten=forgotten, grants_dropped=dropped)


def _key(image: dict[str, Any]) -> str:
    return str(image.get("request_id") or image.get("node_id") or "")
