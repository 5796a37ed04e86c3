"""Provisioning (user-node mapping) requests in the `requests` table: one item per request,
`request_id` "mapping:<id>", `sk` "request", `kind` "mapping", expiring at `expires_at` (TTL, and
checked by every read and condition, SPEC §2.2)."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import MappingRequest, MappingStatus
from nodeshare.model.errors import Conflict
from nodeshare.store.conditions import refused_as
from nodeshare.store.models import RequestModel

PREFIX, HEADER, KIND = "mapping:", "request", "mapping"


def get(request_id: str, now: int) -> MappingRequest | None:
    """The request, if it exists; an expired one reads as timed out (unless confirmed)."""
    try:
        item = RequestModel.get(PREFIX + request_id, HEADER, consistent_read=True)
    except RequestModel.DoesNotExist:
        return None
    if item.kind != KIND:
        return None
    status = MappingStatus(item.status)
    if item.expires_at <= now and status in (MappingStatus.REQUESTED, MappingStatus.OFFERED):
        status = MappingStatus.TIMEDOUT
    node_id, user_id = str(item.node_id), str(item.requester_user_id)
    return MappingRequest(request_id, node_id, user_id, status, int(item.expires_at))


def put(mapping: MappingRequest, now: int) -> None:
    """Save a new request, unless a live one has that id (-> Conflict: read it again)."""
    item = RequestModel(
        PREFIX + mapping.request_id,
        HEADER,
        kind=KIND,
        status=mapping.status.value,
        node_id=mapping.node_id,
        requester_user_id=mapping.user_id,
        expires_at=mapping.expires_at,
        created_at=now,
    )
    with refused_as(Conflict("Mapping request changed meanwhile; retry")):
        item.save(condition=RequestModel.request_id.does_not_exist() | (RequestModel.expires_at <= now))


def confirm_in(transaction: TransactWrite, mapping: MappingRequest, now: int) -> None:
    """Within the claim's transaction: confirmed, if still as read and unexpired."""
    transaction.update(
        RequestModel(PREFIX + mapping.request_id, HEADER),
        actions=[RequestModel.status.set(MappingStatus.CONFIRMED.value)],
        condition=(RequestModel.status == mapping.status.value) & (RequestModel.expires_at > now),
    )


def discard(mapping: MappingRequest, now: int) -> None:
    with refused_as(Conflict("Mapping request changed meanwhile; retry")):
        RequestModel(PREFIX + mapping.request_id, HEADER).update(
            actions=[RequestModel.status.set(MappingStatus.DISCARDED.value)],
            condition=(RequestModel.status == mapping.status.value) & (RequestModel.expires_at > now),
        )
