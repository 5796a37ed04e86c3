"""PINs of Kii ownership flows in the `requests` table: one item per PIN, `request_id`
"pin:<node_id>:<code>", `sk` "request", `kind` "pin", expiring at `expires_at` (TTL, and checked
by every read and condition, SPEC §2.2). Single use: confirming sets `status` "used" in the same
transaction as the ownership change."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import OwnerKind, OwnerRef, Pin
from nodeshare.model.errors import Conflict
from nodeshare.store.conditions import refused_as
from nodeshare.store.models import RequestModel

HEADER, KIND, PENDING, USED = "request", "pin", "pending", "used"


def _key(node_id: str, code: str) -> str:
    return f"pin:{node_id}:{code}"


def create(pin: Pin, now: int) -> None:
    """Save a new PIN; Conflict if a live one of that node has the same code (draw another)."""
    item = RequestModel(
        _key(pin.node_id, pin.code),
        HEADER,
        kind=KIND,
        status=PENDING,
        thing_id=pin.node_id,
        owner=str(pin.owner),
        started_by_thing=pin.started_by_thing,
        requester_user_id=pin.requester_user_id or None,
        epoch=pin.epoch,
        expires_at=pin.expires_at,
        created_at=now,
    )
    with refused_as(Conflict("That code is taken; draw another")):
        item.save(condition=RequestModel.request_id.does_not_exist() | (RequestModel.expires_at <= now))


def get_pending(node_id: str, code: str, now: int) -> Pin | None:
    """The node's PIN of that code, if it is unused and unexpired."""
    try:
        item = RequestModel.get(_key(node_id, code), HEADER, consistent_read=True)
    except RequestModel.DoesNotExist:
        return None
    if item.kind != KIND or item.status != PENDING or item.expires_at <= now:
        return None
    kind, _, owner_id = str(item.owner).partition(":")
    return Pin(
        node_id=node_id,
        code=code,
        owner=OwnerRef(OwnerKind(kind), owner_id),
        started_by_thing=bool(item.started_by_thing),
        requester_user_id=item.requester_user_id or "",
        epoch=int(item.epoch),
        expires_at=int(item.expires_at),
    )


def use_in(transaction: TransactWrite, pin: Pin, now: int) -> None:
    """Within the ownership change's transaction: the PIN is used, if still pending and unexpired."""
    transaction.update(
        RequestModel(_key(pin.node_id, pin.code), HEADER),
        actions=[RequestModel.status.set(USED)],
        condition=(RequestModel.status == PENDING) & (RequestModel.expires_at > now),
    )
