"""Permission requests (BuildingDepot), in the `requests` table laid out like share requests: a
header (`kind` = "permission", `sk` = "request", `node_epochs` naming its one node) and one line
(`sk` = "node#<id>"), which indexes the request by node for the cascade (`requests.drop_stale_lines`:
a new claim, transfer or release of the node drops it).

The pending indexes are the share requests' own, keyed "permission:<user id>" (the approver's on
`pending_by_invitee`, the requester's on `pending_by_requester`), so the two kinds list apart and
the table needs no index of its own. Every state change is conditioned on the request being
pending and unexpired at the caller's `now` (SPEC §2.2, §2.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import Grant, Node, PermissionRequest, RequestStatus
from nodeshare.model.errors import Conflict, RequestNotPending
from nodeshare.model.levels import Level
from nodeshare.store import grants as grant_store
from nodeshare.store.conditions import CONDITION_FAILED, is_refused, refused_as
from nodeshare.store.models import LINE_PREFIX, REQUEST_HEADER, RequestModel
from nodeshare.store.records import plain
from nodeshare.store.requests import TRANSACTION_LIMIT, _connection, pending_page

PERMISSION = "permission"
PARTITION_PREFIX = "permission:"  # of the pending indexes: apart from share requests


def _names_its_node(item: RequestModel) -> bool:
    """False only for a moment, while the cascade drops the request (its node left `node_epochs`,
    the header is deleted next): such a request is gone already."""
    return bool(plain(item.node_epochs))


def to_permission_request(item: RequestModel) -> PermissionRequest:
    [(node_id, epoch)] = plain(item.node_epochs).items()
    return PermissionRequest(
        request_id=item.request_id,
        requester_user_id=item.requester_user_id or "",
        requester_user_name=item.requester_user_name or "",
        approver_user_id=item.approver_user_id,
        node_id=node_id,
        node_epoch=int(epoch),
        level=Level(item.level),
        status=RequestStatus(item.status),
        created_at=int(item.created_at or 0),
        expires_at=int(item.expires_at),
        answered_at=int(item.answered_at) if item.answered_at is not None else None,
        granted_level=Level(item.granted_level) if item.granted_level else None,
    )


def _header(request: PermissionRequest) -> RequestModel:
    approver = request.approver_user_id
    return RequestModel(
        request.request_id,
        REQUEST_HEADER,
        kind=PERMISSION,
        status=request.status.value,
        requester_user_id=request.requester_user_id,
        requester_user_name=request.requester_user_name,
        approver_user_id=approver,
        node_epochs={request.node_id: request.node_epoch},
        level=request.level.value,
        created_at=request.created_at,
        expires_at=request.expires_at,
        # Never indexed for anyone to answer when no one may: it lists for its requester only.
        pending_invitee=PARTITION_PREFIX + approver if approver else None,
        pending_requester=PARTITION_PREFIX + request.requester_user_id,
    )


def _line(request: PermissionRequest) -> RequestModel:
    return RequestModel(
        request.request_id,
        f"{LINE_PREFIX}{request.node_id}",
        node_id=request.node_id,
        epoch=request.node_epoch,
        expires_at=request.expires_at,
    )


def create_many(requests: Sequence[PermissionRequest]) -> None:
    """Write every line, then every header (one transaction for up to 100 requests): a request
    never exists without its line, and a failure part way leaves at most orphan lines, which name
    no request and expire with their TTL."""
    for items in (
        [_line(request) for request in requests],
        [_header(request) for request in requests],
    ):
        for start in range(0, len(items), TRANSACTION_LIMIT):
            with TransactWrite(connection=_connection()) as transaction:
                for item in items[start : start + TRANSACTION_LIMIT]:
                    transaction.save(item, condition=RequestModel.request_id.does_not_exist())


def get(request_id: str) -> PermissionRequest | None:
    try:
        item = RequestModel.get(request_id, REQUEST_HEADER, consistent_read=True)
    except RequestModel.DoesNotExist:
        return None
    return to_permission_request(item) if item.kind == PERMISSION and _names_its_node(item) else None


def list_pending(
    user_id: str, *, sent: bool, start_request_id: str | None, limit: int, now: int
) -> tuple[list[PermissionRequest], str | None]:
    """One page of the pending, unexpired requests a user may answer (or has sent)."""
    items, next_id = pending_page(
        PARTITION_PREFIX + user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )
    return [to_permission_request(item) for item in items if _names_its_node(item)], next_id


def _answering(
    request: PermissionRequest, status: RequestStatus, now: int, granted: Level | None = None
) -> tuple[RequestModel, list[Any], Any]:
    """(item, actions, condition) that move a pending, unexpired request to `status`."""
    actions = [
        RequestModel.status.set(status.value),
        RequestModel.answered_at.set(now),
        RequestModel.pending_invitee.remove(),
        RequestModel.pending_requester.remove(),
    ]
    if granted is not None:
        actions.append(RequestModel.granted_level.set(granted.value))
    condition = (
        (RequestModel.kind == PERMISSION)
        & (RequestModel.status == RequestStatus.PENDING.value)
        & (RequestModel.expires_at > now)
    )
    return RequestModel(request.request_id, REQUEST_HEADER), actions, condition


def answer(request: PermissionRequest, status: RequestStatus, now: int) -> None:
    """Decline or cancel: one conditional update, so it races cleanly with an accept."""
    item, actions, condition = _answering(request, status, now)
    with refused_as(RequestNotPending(f"Request {request.request_id} is no longer pending")):
        item.update(actions=actions, condition=condition)


def accept(request: PermissionRequest, node: Node, grant: Grant, now: int) -> None:
    """Mark the request accepted and make the grant, in one transaction: the request still pending
    and unexpired, the node's access still as the approver's authority was checked against (its
    epoch, the request's, and its access version). `RequestNotPending` when the request was
    answered meanwhile, `Conflict` when the node changed."""
    item, actions, condition = _answering(request, RequestStatus.ACCEPTED, now, grant.level)
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(item, actions=actions, condition=condition)
            grant_store.set_on_node_in(transaction, node, grant)
    except TransactWriteError as exc:
        if not is_refused(exc):
            raise
        header_reason = exc.cancellation_reasons[0] if exc.cancellation_reasons else None
        if header_reason is not None and header_reason.code == CONDITION_FAILED:
            raise RequestNotPending(f"Request {request.request_id} is no longer pending") from exc
        raise Conflict("The node changed while the request was accepted; retry") from exc
