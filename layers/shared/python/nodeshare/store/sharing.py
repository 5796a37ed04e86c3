"""The multi-table writes of sharing: accepting a request, changing or removing access.

Each is a set of transactions of at most 100 items, every item conditioned on what the domain
read: the request still pending, each node's epoch (and primary) unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import Association, GrantedBy, Node, RequestStatus, Role, ShareRequest
from nodeshare.model.errors import Conflict, RequestNotPending
from nodeshare.model.levels import Level
from nodeshare.store.conditions import CONDITION_FAILED, is_refused, refused_as
from nodeshare.store.models import AssociationModel, NodeModel
from nodeshare.store.nodes import access_unchanged
from nodeshare.store.requests import TRANSACTION_LIMIT, _connection, header_answer

Operation = Callable[[TransactWrite], None]


@dataclass(frozen=True)
class NodeGrant:
    """What accepting gives the invitee on one node."""

    node: Node
    operations: list[Operation]


def _association(
    node_id: str,
    user_id: str,
    user_name: str,
    role: Role,
    level: Level,
    epoch: int,
    now: int,
    granted_by: GrantedBy = (),
    sub_role: int | None = None,
) -> AssociationModel:
    return AssociationModel(
        node_id,
        user_id,
        user_name=user_name,
        role=role.value,
        level=level.value,
        epoch=epoch,
        created_at=now,
        granted_by=list(granted_by) or None,
        sub_role=sub_role,
    )


ACCESS_CHANGED = NodeModel.access_version.add(1)


def rwp_holder(user_id: str, level: Level) -> UpdateAction:
    """The node item's `rwp_user_ids` action for a secondary now at `level`: it lists exactly the
    secondaries whose association is `rwp`, written beside the row."""
    if level is Level.READ_WRITE_PERMISSION:
        return NodeModel.rwp_user_ids.add({user_id})
    return NodeModel.rwp_user_ids.delete({user_id})


def grant_operations(
    request: ShareRequest,
    node: Node,
    invitee_user_name: str,
    now: int,
    old_primary_level: Level | None,
    granted_by: GrantedBy,
) -> list[Operation]:
    """The transaction items that give the invitee this node, conditioned on the node's access
    being what the requester's authority was checked against (epoch and access version). A share
    gives the invitee the request's `sub_role`; a transfer makes it primary, which has none."""
    invitee = request.invitee_user_id
    assert invitee is not None
    epoch = node.epoch
    if not request.transfer:
        return [
            lambda tx: tx.update(
                NodeModel(node.node_id),
                actions=[
                    NodeModel.secondary_user_ids.add({invitee}),
                    rwp_holder(invitee, request.level),
                    ACCESS_CHANGED,
                ],
                condition=access_unchanged(node),
            ),
            lambda tx: tx.save(
                _association(
                    node.node_id,
                    invitee,
                    invitee_user_name,
                    Role.SECONDARY,
                    request.level,
                    epoch,
                    now,
                    granted_by,
                    request.sub_role,
                )
            ),
        ]
    old_primary = Party(request.requester_user_id, request.requester_user_name)
    return transfer_operations(node, old_primary, Party(invitee, invitee_user_name), now, old_primary_level)


@dataclass(frozen=True)
class Party:
    """A user on one side of a transfer, as its association row names it."""

    user_id: str
    user_name: str


def transfer_operations(
    node: Node,
    old_primary: Party,
    new_primary: Party,
    now: int,
    old_primary_level: Level | None,
    also: Sequence[UpdateAction] = (),
) -> list[Operation]:
    """The transaction items that make `new_primary` the node's primary: a new epoch, every earlier
    secondary and grant cut off (SPEC §2.1), the old primary kept as a secondary at
    `old_primary_level` (None: it leaves). Conditioned on the node's epoch and primary as read;
    `also` are further actions on the node item (a group transfer rewrites memberships)."""
    new_epoch = node.epoch + 1
    kept = {old_primary.user_id}
    actions: list[UpdateAction] = [
        NodeModel.epoch.set(new_epoch),
        NodeModel.primary_user_id.set(new_primary.user_id),
        NodeModel.secondary_user_ids.set(kept)
        if old_primary_level is not None
        else NodeModel.secondary_user_ids.remove(),
        NodeModel.rwp_user_ids.set(kept)
        if old_primary_level is Level.READ_WRITE_PERMISSION
        else NodeModel.rwp_user_ids.remove(),
        NodeModel.grants.remove(),  # every grant was made under the old epoch
        NodeModel.cascade_hint.set(True),  # a new epoch: the stream processor must see it
        *also,
    ]
    operations: list[Operation] = [
        lambda tx: tx.update(
            NodeModel(node.node_id),
            actions=actions,
            condition=(NodeModel.epoch == node.epoch) & (NodeModel.primary_user_id == old_primary.user_id),
        ),
        lambda tx: tx.save(
            _association(
                node.node_id,
                new_primary.user_id,
                new_primary.user_name,
                Role.PRIMARY,
                Level.READ_WRITE_PERMISSION,
                new_epoch,
                now,
            )
        ),
    ]
    if old_primary_level is not None:
        operations.append(
            lambda tx: tx.save(
                _association(
                    node.node_id,
                    old_primary.user_id,
                    old_primary.user_name,
                    Role.SECONDARY,
                    old_primary_level,
                    new_epoch,
                    now,
                )
            )
        )
    return operations


def accept(request: ShareRequest, grants: Sequence[NodeGrant], now: int) -> None:
    """Mark the request accepted and apply the grants. The header goes in the first transaction,
    so a racing cancel, decline or second accept finds it answered; a grant whose node changed
    meanwhile makes its transaction fail and is reported as a Conflict."""
    header, actions, condition = header_answer(request, RequestStatus.ACCEPTED, now)
    batches: list[list[Operation]] = [[lambda tx: tx.update(header, actions=actions, condition=condition)]]
    for grant in grants:
        if len(batches[-1]) + len(grant.operations) > TRANSACTION_LIMIT:
            batches.append([])
        batches[-1].extend(grant.operations)
    for number, batch in enumerate(batches):
        try:
            with TransactWrite(connection=_connection()) as transaction:
                for operation in batch:
                    operation(transaction)
        except TransactWriteError as exc:
            if not is_refused(exc):
                raise
            header_reason = exc.cancellation_reasons[0] if number == 0 and exc.cancellation_reasons else None
            if header_reason is not None and header_reason.code == CONDITION_FAILED:
                raise RequestNotPending(f"Request {request.request_id} is no longer pending") from exc
            raise Conflict(
                "A node changed while the request was accepted; its access was not granted"
            ) from exc


def set_levels(changes: Sequence[tuple[Association, Level, GrantedBy]], sub_role: int | None = None) -> None:
    """Change existing secondaries' levels (and who they are now granted by, and their sub-role:
    a new share replaces the old one's), each only if the row is still the one read; each node's
    access version moves in the same transaction."""
    per_transaction = TRANSACTION_LIMIT // 2  # two items per change
    with refused_as(Conflict("Access changed meanwhile; retry")):
        for start in range(0, len(changes), per_transaction):
            with TransactWrite(connection=_connection()) as transaction:
                for association, level, granted_by in changes[start : start + per_transaction]:
                    transaction.update(
                        AssociationModel(association.node_id, association.user_id),
                        actions=[
                            AssociationModel.level.set(level.value),
                            AssociationModel.granted_by.set(list(granted_by))  # type: ignore[arg-type]
                            if granted_by
                            else AssociationModel.granted_by.remove(),
                            AssociationModel.sub_role.set(sub_role)
                            if sub_role is not None
                            else AssociationModel.sub_role.remove(),
                        ],
                        condition=(AssociationModel.epoch == association.epoch)
                        & (AssociationModel.role == Role.SECONDARY.value),
                    )
                    transaction.update(
                        NodeModel(association.node_id),
                        actions=[rwp_holder(association.user_id, level), ACCESS_CHANGED],
                        condition=NodeModel.epoch == association.epoch,
                    )


def remove(associations: Sequence[Association]) -> None:
    """Delete secondaries' associations (at most one per node), each only if it is still the one
    read, and take them off their nodes' `secondary_user_ids` in the same transaction."""
    per_transaction = TRANSACTION_LIMIT // 2  # two items per removal
    with refused_as(Conflict("Access changed meanwhile; retry")):
        for start in range(0, len(associations), per_transaction):
            with TransactWrite(connection=_connection()) as transaction:
                for association in associations[start : start + per_transaction]:
                    transaction.delete(
                        AssociationModel(association.node_id, association.user_id),
                        condition=(AssociationModel.epoch == association.epoch)
                        & (AssociationModel.role == Role.SECONDARY.value),
                    )
                    transaction.update(
                        NodeModel(association.node_id),
                        actions=[
                            NodeModel.secondary_user_ids.delete({association.user_id}),
                            NodeModel.rwp_user_ids.delete({association.user_id}),
                            ACCESS_CHANGED,
                        ],
                        condition=NodeModel.epoch == association.epoch,
                    )
