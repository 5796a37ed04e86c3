"""Associations between users and nodes."""

from __future__ import annotations

from nodeshare.domain.model import Association
from nodeshare.store.access import BATCH_GET_LIMIT, batch_get
from nodeshare.store.conditions import applied
from nodeshare.store.models import AssociationModel
from nodeshare.store.records import to_association


def list_for_user(user_id: str, start_id: str | None, limit: int) -> tuple[list[Association], str | None]:
    """One page of a user's associations in node_id order (GSI `by_user`)."""
    last_key = None
    if start_id:
        last_key = {
            "user_id": {"S": user_id},
            "node_id": {"S": start_id},
        }
    result = AssociationModel.by_user.query(user_id, limit=limit, last_evaluated_key=last_key)
    associations = [to_association(item) for item in result]
    next_key = result.last_evaluated_key
    return associations, (next_key["node_id"]["S"] if next_key else None)


def get_many(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Association]:
    """Association rows by (node_id, user_id), strongly consistent, 100 keys per BatchGetItem;
    keys without a row are left out."""
    table = AssociationModel.Meta.table_name
    found: dict[tuple[str, str], Association] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        request = {
            table: {
                "Keys": [
                    {"node_id": {"S": node_id}, "user_id": {"S": user_id}}
                    for node_id, user_id in unique[start : start + BATCH_GET_LIMIT]
                ],
                "ConsistentRead": True,
            }
        }
        for raw in batch_get(request)[table]:
            association = to_association(AssociationModel.from_raw_data(raw))
            found[(association.node_id, association.user_id)] = association
    return found


def count_for_user(user_id: str) -> int:
    return AssociationModel.by_user.count(user_id)


def delete_stale(node_id: str, current_epoch: int) -> int:
    """Delete every association of the node made before `current_epoch` (the cascade).

    Each delete is conditioned on the old epoch, so a row rewritten meanwhile survives; running
    it twice deletes nothing more (idempotent).
    """
    deleted = 0
    for item in AssociationModel.query(node_id, filter_condition=AssociationModel.epoch < current_epoch):
        # Rewritten under the new epoch meanwhile: the condition fails and the row stays.
        if applied(item.delete, condition=AssociationModel.epoch < current_epoch):
            deleted += 1
    return deleted
