"""Share requests: a header item plus one line item per node (the cascade's index by node)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import GroupShareRequest, RequestStatus, ShareRequest
from nodeshare.model.errors import Conflict, RequestNotPending
from nodeshare.model.levels import Level
from nodeshare.store.conditions import applied, refused_as
from nodeshare.store.models import LINE_PREFIX, REQUEST_HEADER, RequestModel
from nodeshare.store.records import plain

TRANSACTION_LIMIT = 100  # items per TransactWriteItems (a DynamoDB limit)
SHARE = "share"


def _connection() -> Connection:
    return RequestModel._get_connection().connection


def to_share_request(item: RequestModel) -> ShareRequest:
    return ShareRequest(
        request_id=item.request_id,
        requester_user_id=item.requester_user_id or "",
        requester_user_name=item.requester_user_name or "",
        invitee_user_name=item.invitee_user_name or "",
        invitee_user_id=item.invitee_user_id,
        node_epochs={node_id: int(epoch) for node_id, epoch in (plain(item.node_epochs) or {}).items()},
        level=Level(item.level),
        transfer=bool(item.transfer),
        new_role=item.new_role,
        metadata=plain(item.metadata) or {},
        status=RequestStatus(item.status),
        created_at=int(item.created_at or 0),
        expires_at=int(item.expires_at),
        sub_role=int(item.sub_role) if item.sub_role is not None else None,
    )


def _header(request: ShareRequest) -> RequestModel:
    return RequestModel(
        request.request_id,
        REQUEST_HEADER,
        kind=SHARE,
        status=request.status.value,
        requester_user_id=request.requester_user_id,
        requester_user_name=request.requester_user_name,
        invitee_user_name=request.invitee_user_name,
        invitee_user_id=request.invitee_user_id,
        node_epochs=request.node_epochs,
        level=request.level.value,
        transfer=request.transfer,
        new_role=request.new_role,
        metadata=request.metadata,
        created_at=request.created_at,
        expires_at=request.expires_at,
        pending_invitee=request.invitee_user_id,
        pending_requester=request.requester_user_id,
        sub_role=request.sub_role,
    )


RETRY = "retry"  # the kind of the items that make a retried create answer the first request
RETRY_PREFIX = "retry#"
CREATE_ATTEMPTS = 3


AnyShareRequest = TypeVar("AnyShareRequest", ShareRequest, GroupShareRequest)


def create_once(request: ShareRequest, content_key: str, now: int, new_id: Callable[[], str]) -> str:
    """A share request made once however often it is retried (`write_once`)."""
    return write_once(request, content_key, now, new_id, write=create, find=get)


def write_once(
    request: AnyShareRequest,
    content_key: str,
    now: int,
    new_id: Callable[[], str],
    *,
    write: Callable[..., None],
    find: Callable[[str], AnyShareRequest | None],
) -> str:
    """`write` the request, unless one with the same content (`content_key`: a digest of requester,
    invitee, nodes with their epochs and options) is still pending and unexpired: then that
    request's id, and nothing is written. So a client retrying a create it saw no answer to does
    not make a second request.

    How: an item keyed by the content names the request it made, written in the transaction that
    writes the request's header, on condition that there is none or that it expired. If that
    condition fails, the request it names is read: still pending and unexpired, it is the answer;
    answered or expired, the item is taken over (conditioned on still naming that request) by a
    new request. The first create costs nothing more than before (one more item in its
    transaction); a retried one a failed transaction and two reads. Bounded: Conflict after
    `CREATE_ATTEMPTS` takeovers lost to racing creates. Each attempt after the first writes under
    a new id (`new_id`): a failed one may have left lines behind. `write` and `find`: the kind's
    own create (taking `request` and `also`: one more item and its condition) and read."""
    marker_key = f"{RETRY_PREFIX}{content_key}"
    previous: str | None = None
    for attempt in range(CREATE_ATTEMPTS):
        if attempt:
            request = replace(request, request_id=new_id())
        free = RequestModel.request_id.does_not_exist() | (RequestModel.expires_at <= now)
        if previous is not None:
            free |= RequestModel.made_request_id == previous
        marker = RequestModel(
            marker_key,
            REQUEST_HEADER,
            kind=RETRY,
            made_request_id=request.request_id,
            expires_at=request.expires_at,
        )
        if applied(write, request=request, also=(marker, free)):
            return request.request_id
        try:
            previous = RequestModel.get(marker_key, REQUEST_HEADER, consistent_read=True).made_request_id
        except RequestModel.DoesNotExist:
            previous = None
            continue
        first = find(previous) if previous else None
        if first is not None and first.status is RequestStatus.PENDING and first.expires_at > now:
            return first.request_id
    raise Conflict("Share request changed meanwhile; retry")


def create(request: ShareRequest, also: tuple[RequestModel, Any] | None = None) -> None:
    """Write the lines, then the header in the last transaction: a request never exists without
    its lines, and a failure leaves at most orphan lines, which expire with their TTL. `also`:
    one more item and its condition, written with the header."""
    lines = [
        RequestModel(
            request.request_id,
            f"{LINE_PREFIX}{node_id}",
            node_id=node_id,
            epoch=epoch,
            expires_at=request.expires_at,
        )
        for node_id, epoch in request.node_epochs.items()
    ]
    last = [(_header(request), RequestModel.request_id.does_not_exist()), *([also] if also else [])]
    chunks = [lines[start : start + TRANSACTION_LIMIT] for start in range(0, len(lines), TRANSACTION_LIMIT)]
    if not chunks or len(chunks[-1]) + len(last) > TRANSACTION_LIMIT:
        chunks.append([])
    for index, chunk in enumerate(chunks):
        with TransactWrite(connection=_connection()) as transaction:
            for item in chunk:
                transaction.save(item, condition=RequestModel.request_id.does_not_exist())
            if index == len(chunks) - 1:
                for item, condition in last:
                    transaction.save(item, condition=condition)


def get(request_id: str) -> ShareRequest | None:
    try:
        item = RequestModel.get(request_id, REQUEST_HEADER, consistent_read=True)
    except RequestModel.DoesNotExist:
        return None
    return to_share_request(item) if item.kind == SHARE else None


def pending_condition(request: ShareRequest, now: int) -> Any:
    """Still pending, unexpired and unchanged in who may answer it (SPEC §2.2, §2.5)."""
    return (
        (RequestModel.status == RequestStatus.PENDING.value)
        & (RequestModel.expires_at > now)
        & (RequestModel.requester_user_id == request.requester_user_id)
    )


def header_answer(
    request: ShareRequest, status: RequestStatus, now: int
) -> tuple[RequestModel, list[Any], Any]:
    """(item, actions, condition) that move a pending request to `status`; used alone or inside
    a larger transaction (accepting)."""
    actions = [
        RequestModel.status.set(status.value),
        RequestModel.pending_invitee.remove(),
        RequestModel.pending_requester.remove(),
    ]
    return RequestModel(request.request_id, REQUEST_HEADER), actions, pending_condition(request, now)


def answer(request: ShareRequest, status: RequestStatus, now: int) -> None:
    """Decline or cancel: one conditional update, so it races cleanly with an accept."""
    item, actions, condition = header_answer(request, status, now)
    with refused_as(RequestNotPending(f"Request {request.request_id} is no longer pending")):
        item.update(actions=actions, condition=condition)


def list_pending(
    user_id: str, *, sent: bool, start_request_id: str | None, limit: int, now: int
) -> tuple[list[ShareRequest], str | None]:
    """One page of a user's pending, unexpired requests (received, or sent)."""
    items, next_id = pending_page(user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now)
    return [to_share_request(item) for item in items], next_id


def pending_page(
    partition: str, *, sent: bool, start_request_id: str | None, limit: int, now: int
) -> tuple[list[RequestModel], str | None]:
    """One page of the pending, unexpired request headers in one partition of the sparse index of
    requests to answer (or sent), and the request id to start the next page at."""
    index = RequestModel.pending_by_requester if sent else RequestModel.pending_by_invitee
    key = "pending_requester" if sent else "pending_invitee"
    last_key = None
    if start_request_id:
        last_key = {
            key: {"S": partition},
            "request_id": {"S": start_request_id},
            "sk": {"S": REQUEST_HEADER},
        }
    result = index.query(
        partition, filter_condition=RequestModel.expires_at > now, limit=limit, last_evaluated_key=last_key
    )
    items = list(result)
    next_key = result.last_evaluated_key
    return items, (next_key["request_id"]["S"] if next_key else None)


def drop_stale_lines(node_id: str, current_epoch: int) -> int:
    """The cascade: remove this node from every request made under an older epoch of it. A
    request left without nodes is deleted. Idempotent: every write is conditioned."""
    dropped = 0
    for line in RequestModel.by_node.query(node_id):
        stale_line = RequestModel(line.request_id, line.sk)
        if not applied(stale_line.delete, condition=RequestModel.epoch < current_epoch):
            continue  # a line of the current epoch: the request still stands for this node
        dropped += 1
        header = RequestModel(line.request_id, REQUEST_HEADER)
        applied(
            header.update,
            actions=[RequestModel.node_epochs[node_id].remove()],
            condition=RequestModel.node_epochs[node_id].exists(),
        )
        applied(header.delete, condition=size(RequestModel.node_epochs) == 0)
    return dropped


def rename_party(user_id: str, partitions: Sequence[str], old_name: str, new_name: str) -> int:
    """Name the user by `new_name` on every pending request she sent or received that names
    `old_name` (the sparse pending indexes, in each of her `partitions`: one per kind of request).
    Each write is conditioned on the old name: idempotent. The count written."""
    written = 0
    for partition in partitions:
        for index, attribute in (
            (RequestModel.pending_by_requester, RequestModel.requester_user_name),
            (RequestModel.pending_by_invitee, RequestModel.invitee_user_name),
        ):
            for item in index.query(partition):
                if getattr(item, attribute.attr_name) == old_name:
                    written += applied(
                        item.update, actions=[attribute.set(new_name)], condition=attribute == old_name
                    )
    return written
