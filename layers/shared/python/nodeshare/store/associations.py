"""Associations between users and nodes."""

from __future__ import annotations

from nodeshare.model.entities import Association
from nodeshare.store.access import batch_get_keys
from nodeshare.store.conditions import applied
from nodeshare.store.models import AssociationModel
from nodeshare.store.records import to_association


def get_many(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Association]:
    """Association rows by (node_id, user_id), strongly consistent, 100 keys per BatchGetItem;
    keys without a row are left out."""
    table = AssociationModel.Meta.table_name
    found = batch_get_keys(
        [
            (table, {"node_id": {"S": node_id}, "user_id": {"S": user_id}})
            for node_id, user_id in dict.fromkeys(keys)
        ]
    )
    associations = [to_association(AssociationModel.from_raw_data(raw)) for _, raw in found]
    return {(association.node_id, association.user_id): association for association in associations}


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


def rename_user(user_id: str, old_name: str, new_name: str) -> int:
    """Name the user by `new_name` on every association row of hers that names `old_name` (GSI
    `by_user`); each write is conditioned on the old name, so it is idempotent. The count written."""
    written = 0
    for row in AssociationModel.by_user.query(user_id):
        if row.user_name == old_name:
            written += applied(
                row.update,
                actions=[AssociationModel.user_name.set(new_name)],
                condition=AssociationModel.user_name == old_name,
            )
    return written
