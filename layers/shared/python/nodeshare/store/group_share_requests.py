"""Group share requests (RainMaker group sharing) in the `requests` table: one header item
(`kind` = "group_share", `sk` = "request") naming its node groups (`group_ids`, and their names
when the request was made, `group_names`). A node group has no epoch for the cascade to follow,
so there are no lines: whether the requester still owns each group is checked when the request
is accepted (SPEC §2 rule 8).

The pending indexes are the share requests' own, keyed "group_share:<user id>" (the invitee's on
`pending_by_invitee`, the requester's on `pending_by_requester`), so each kind lists apart and the
table needs no index of its own. Every state change is conditioned on the request being pending
and unexpired at the caller's `now` (SPEC §2.2, §2.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import Grant, GroupShareRequest, Node, NodeGroup, RequestStatus
from nodeshare.model.errors import Conflict, RequestNotPending
from nodeshare.model.levels import Level
from nodeshare.store import access
from nodeshare.store import node_groups as node_group_store
from nodeshare.store.conditions import CONDITION_FAILED, applied, is_refused, refused_as
from nodeshare.store.grants import NODE_GROUP_TARGET, index_subject
from nodeshare.store.models import REQUEST_HEADER, RequestModel
from nodeshare.store.records import plain
from nodeshare.store.requests import _connection, pending_page, write_once
from nodeshare.store.sharing import Party, transfer_operations

GROUP_SHARE = "group_share"
PARTITION_PREFIX = "group_share:"  # of the pending indexes: apart from the other kinds


def to_group_share_request(item: RequestModel) -> GroupShareRequest:
    return GroupShareRequest(
        request_id=item.request_id,
        requester_user_id=item.requester_user_id or "",
        requester_user_name=item.requester_user_name or "",
        invitee_user_name=item.invitee_user_name or "",
        invitee_user_id=item.invitee_user_id,
        group_ids=tuple(str(group_id) for group_id in item.group_ids or ()),
        group_names=tuple(str(name) for name in item.group_names or ()),
        level=Level(item.level),
        metadata=plain(item.metadata) or {},
        status=RequestStatus(item.status),
        created_at=int(item.created_at or 0),
        expires_at=int(item.expires_at),
        sub_role=int(item.sub_role) if item.sub_role is not None else None,
        answered_at=int(item.answered_at) if item.answered_at is not None else None,
        transfer=bool(item.transfer),
        new_role=item.new_role,
    )


def _header(request: GroupShareRequest) -> RequestModel:
    invitee = request.invitee_user_id
    return RequestModel(
        request.request_id,
        REQUEST_HEADER,
        kind=GROUP_SHARE,
        status=request.status.value,
        requester_user_id=request.requester_user_id,
        requester_user_name=request.requester_user_name,
        invitee_user_name=request.invitee_user_name,
        invitee_user_id=invitee,
        group_ids=list(request.group_ids),
        group_names=list(request.group_names),
        level=request.level.value,
        metadata=request.metadata or None,
        created_at=request.created_at,
        expires_at=request.expires_at,
        sub_role=request.sub_role,
        transfer=request.transfer or None,
        new_role=request.new_role,
        # Never indexed for anyone to accept when no account has the e-mail (SPEC §2.4).
        pending_invitee=PARTITION_PREFIX + invitee if invitee else None,
        pending_requester=PARTITION_PREFIX + request.requester_user_id,
    )


def create(request: GroupShareRequest, also: tuple[RequestModel, Any] | None = None) -> None:
    """The header alone; with `also` (one more item and its condition), in one transaction."""
    if also is None:
        _header(request).save(condition=RequestModel.request_id.does_not_exist())
        return
    with TransactWrite(connection=_connection()) as transaction:
        transaction.save(_header(request), condition=RequestModel.request_id.does_not_exist())
        transaction.save(also[0], condition=also[1])


def create_once(request: GroupShareRequest, content_key: str, now: int, new_id: Callable[[], str]) -> str:
    """A group share request made once however often it is retried (`store.requests.write_once`)."""
    return write_once(request, content_key, now, new_id, write=create, find=get)


def get(request_id: str) -> GroupShareRequest | None:
    try:
        item = RequestModel.get(request_id, REQUEST_HEADER, consistent_read=True)
    except RequestModel.DoesNotExist:
        return None
    return to_group_share_request(item) if item.kind == GROUP_SHARE else None


def list_pending(
    user_id: str, *, sent: bool, start_request_id: str | None, limit: int, now: int
) -> tuple[list[GroupShareRequest], str | None]:
    """One page of a user's pending, unexpired group share requests (received, or sent)."""
    items, next_id = pending_page(
        PARTITION_PREFIX + user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )
    return [to_group_share_request(item) for item in items], next_id


def drop_left_without_groups(requester_user_id: str, group_id: str) -> int:
    """The cascade of a deleted node group: each pending request of its owner's that named it and
    now names no group its requester still owns is deleted, as a node share request left without
    nodes is (SPEC §2 rule 8: it could never be accepted). Idempotent: each delete is conditioned
    on the request still pending."""
    dropped = 0
    for item in RequestModel.pending_by_requester.query(PARTITION_PREFIX + requester_user_id):
        named = [str(named_id) for named_id in item.group_ids or ()]
        if group_id not in named:
            continue
        found = access.batch_get_groups(named)
        if any(getattr(found.get(g), "owner_user_id", None) == requester_user_id for g in named):
            continue
        header = RequestModel(item.request_id, REQUEST_HEADER)
        if applied(header.delete, condition=RequestModel.status == RequestStatus.PENDING.value):
            dropped += 1
    return dropped


def _answering(
    request: GroupShareRequest, status: RequestStatus, now: int
) -> tuple[RequestModel, list[Any], Any]:
    """(item, actions, condition) that move a pending, unexpired request to `status`."""
    actions = [
        RequestModel.status.set(status.value),
        RequestModel.answered_at.set(now),
        RequestModel.pending_invitee.remove(),
        RequestModel.pending_requester.remove(),
    ]
    condition = (
        (RequestModel.kind == GROUP_SHARE)
        & (RequestModel.status == RequestStatus.PENDING.value)
        & (RequestModel.expires_at > now)
    )
    return RequestModel(request.request_id, REQUEST_HEADER), actions, condition


def answer(request: GroupShareRequest, status: RequestStatus, now: int) -> None:
    """Decline or cancel: one conditional update, so it races cleanly with an accept."""
    item, actions, condition = _answering(request, status, now)
    with refused_as(RequestNotPending(f"Request {request.request_id} is no longer pending")):
        item.update(actions=actions, condition=condition)


def accept_transfer(
    request: GroupShareRequest,
    groups: Sequence[NodeGroup],
    nodes: Sequence[Node],
    invitee: Party,
    old_owner_level: Level | None,
    now: int,
) -> None:
    """Mark a transfer accepted and hand the groups and every node in them to the invitee, in one
    transaction (the domain keeps it within 100 items): the request still pending, each group and
    each node as read (version; epoch and primary). Each node moves as a node transfer does
    (`store.sharing.transfer_operations`); its membership of the groups moves with it."""
    item, actions, condition = _answering(request, RequestStatus.ACCEPTED, now)
    requester = Party(request.requester_user_id, request.requester_user_name)
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(item, actions=actions, condition=condition)
            for group in groups:
                node_group_store.hand_over_in(transaction, group, invitee.user_id)
            for node in nodes:
                moving = [
                    node_group_store.membership_handed_over(group, invitee.user_id, node.epoch + 1)
                    for group in groups
                    if node.node_id in group.node_ids
                ]
                for operation in transfer_operations(node, requester, invitee, now, old_owner_level, moving):
                    operation(transaction)
    except TransactWriteError as exc:
        _raise_refusal(request, exc)


def accept(request: GroupShareRequest, groups: Sequence[NodeGroup], grant: Grant, now: int) -> None:
    """Mark the request accepted and make the grant on every group, in one transaction (at most
    10 groups, 12 items): the request still pending and unexpired, each group unchanged since it
    was read (its version), and the invitee's index of what it was granted written once for all
    of them. `RequestNotPending` when the request was answered meanwhile, `Conflict` when a group
    changed."""
    item, actions, condition = _answering(request, RequestStatus.ACCEPTED, now)
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(item, actions=actions, condition=condition)
            for group in groups:
                node_group_store.set_grant_in(transaction, group, grant)
            targets = [NODE_GROUP_TARGET + group.group_id for group in groups]
            index_subject(transaction, grant.subject, *targets)
    except TransactWriteError as exc:
        _raise_refusal(request, exc)


def _raise_refusal(request: GroupShareRequest, exc: TransactWriteError) -> NoReturn:
    """`RequestNotPending` when the header's condition failed (answered meanwhile), `Conflict` when
    a group or node changed; anything else as it came."""
    if not is_refused(exc):
        raise exc
    header_reason = exc.cancellation_reasons[0] if exc.cancellation_reasons else None
    if header_reason is not None and header_reason.code == CONDITION_FAILED:
        raise RequestNotPending(f"Request {request.request_id} is no longer pending") from exc
    raise Conflict("A group or one of its nodes changed while the request was accepted; retry") from exc
