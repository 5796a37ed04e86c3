"""RainMaker node sharing: share requests (create, accept, decline, cancel, list), sharing details
and removing users (SPEC §1, §2, §3.1; seeds/000).

- The requester must be primary or `rwp` of every node; a transfer needs the primary.
- An unknown e-mail gets exactly the answer a known one gets: a request id that can never be
  accepted (SPEC §2.4).
- Sharing with someone who already has access updates that access instead of creating a request.
- Accepting needs the invitee, a pending unexpired request, and grants only nodes whose epoch is
  unchanged since the request (a re-claim or transfer meanwhile voids the offer for that node).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from nodeshare.domain.authorization import Action, authorize, authorize_all
from nodeshare.domain.nodes import user_nodes
from nodeshare.domain.users import normalize_email
from nodeshare.model.entities import Association, Node, Principal, RequestStatus, Role, ShareRequest
from nodeshare.model.errors import BadRequest, Conflict, RequestExpired, RequestNotFound, RequestNotPending
from nodeshare.model.levels import DEFAULT_SECONDARY_LEVEL, Level
from nodeshare.settings import settings
from nodeshare.store import access
from nodeshare.store import associations as association_store
from nodeshare.store import requests as request_store
from nodeshare.store import sharing as sharing_store
from nodeshare.store import users as user_store

ACCEPT_ATTEMPTS = 3
MAX_LISTED_NODES = 100
# Decision: `new_role` names what the old primary becomes after a transfer; absent, it leaves.
NEW_ROLE_LEVELS = {
    "secondary": DEFAULT_SECONDARY_LEVEL,
    "r": Level.READ,
    "rw": Level.READ_WRITE,
    "rwp": Level.READ_WRITE_PERMISSION,
}


def new_request_id() -> str:
    # Alphanumeric, as RainMaker's, so clients can pass it anywhere unescaped.
    return secrets.token_hex(12)


def share_nodes(
    principal: Principal,
    node_ids: list[str],
    user_name: str,
    *,
    primary: bool,
    transfer: bool,
    new_role: str | None,
    metadata: dict[str, Any],
    now: int,
) -> str:
    """Returns the request id (for nodes whose access was only updated, it names no request).

    Three round trips for up to 33 nodes: the invitee by e-mail; one batch of the nodes, the
    caller's and the invitee's associations with them and the caller's user row; the write.
    """
    node_ids = list(dict.fromkeys(node_ids))
    user_name = normalize_email(user_name)
    if new_role is not None and (not transfer or new_role not in NEW_ROLE_LEVELS):
        raise BadRequest(f"new_role must go with transfer and be one of {', '.join(NEW_ROLE_LEVELS)}")
    level = Level.READ_WRITE_PERMISSION if primary else DEFAULT_SECONDARY_LEVEL

    invitee = user_store.find_by_name(user_name)
    if user_name == principal.user_name or (invitee is not None and invitee.user_id == principal.user_id):
        raise BadRequest("Cannot share nodes with yourself")
    facts = access.load(
        node_ids,
        [principal.user_id, *([invitee.user_id] if invitee else [])],
        user_rows=_caller_row_if_needed(principal),
    )
    granted = authorize_all(principal, Action.TRANSFER if transfer else Action.SHARE, node_ids, now, facts)
    requester_name = _caller_name(principal, facts)

    updates: list[tuple[Association, Level]] = []
    offered = dict.fromkeys(node_ids)
    if invitee is not None and not transfer:
        for node_id in node_ids:
            node, association = facts.of(node_id, invitee.user_id)
            if node is not None and node.primary_user_id == invitee.user_id:
                raise BadRequest(f"{user_name} is already the primary of node {node_id}")
            if association is not None and node is not None and association.epoch == node.epoch:
                updates.append((association, level))
                offered.pop(node_id)
    if updates:
        sharing_store.set_levels(updates)
    request_id = new_request_id()
    if offered:
        request = ShareRequest(
            request_id=request_id,
            requester_user_id=principal.user_id,
            requester_user_name=requester_name,
            invitee_user_name=user_name,
            invitee_user_id=invitee.user_id if invitee else None,
            node_epochs={node_id: granted[node_id].node.epoch for node_id in offered},
            level=level,
            transfer=transfer,
            new_role=new_role,
            metadata=metadata,
            status=RequestStatus.PENDING,
            created_at=now,
            expires_at=now + settings().request_ttl_seconds,
        )
        request_store.create(request)
    return request_id


def _caller_row_if_needed(principal: Principal) -> list[str]:
    """The caller's user row, to read with the nodes when its e-mail is not in the token (an
    access token carries none: the rule of `users.user_name_of`, without a round trip of its own)."""
    return [] if principal.user_name else [principal.user_id]


def _caller_name(principal: Principal, facts: access.Facts) -> str:
    """The caller's e-mail: from the token, else from the row `_caller_row_if_needed` asked for."""
    if principal.user_name:
        return principal.user_name
    user = facts.users.get(principal.user_id)
    return user.user_name if user else ""


def _own_request(principal: Principal, request_id: str, *, as_requester: bool) -> ShareRequest:
    """The request, if the caller is its requester (or invitee); anyone else learns nothing."""
    request = request_store.get(request_id)
    party = request and (request.requester_user_id if as_requester else request.invitee_user_id)
    if request is None or party != principal.user_id:
        raise RequestNotFound(f"Request {request_id} not found")
    return request


def _require_pending(request: ShareRequest, now: int) -> None:
    if request.status is not RequestStatus.PENDING:
        raise RequestNotPending(f"Request {request.request_id} was already {request.status.value}")
    if request.expires_at <= now:
        raise RequestExpired(f"Request {request.request_id} has expired")


def accept_share_request(principal: Principal, request_id: str, now: int) -> list[str]:
    """The invitee accepts: access to every node whose epoch is unchanged; returns those ids."""
    for attempt in range(ACCEPT_ATTEMPTS):
        request = _own_request(principal, request_id, as_requester=False)
        _require_pending(request, now)
        # The nodes and, with an access token (no e-mail in it), the invitee's user row: one batch.
        facts = access.load(request.node_ids, [], user_rows=_caller_row_if_needed(principal))
        nodes = facts.nodes
        invitee_name = _caller_name(principal, facts)
        current = [
            nodes[node_id]
            for node_id, epoch in request.node_epochs.items()
            if node_id in nodes and nodes[node_id].epoch == epoch
        ]
        if request.transfer:
            current = [node for node in current if node.primary_user_id == request.requester_user_id]
        if not current:
            # Every node changed owner since the offer (SPEC §2.1): nothing is left to accept.
            raise Conflict("The nodes of this request changed owner; it can no longer be accepted")
        old_primary_level = NEW_ROLE_LEVELS.get(request.new_role or "")
        grants = [
            sharing_store.NodeGrant(
                node,
                sharing_store.grant_operations(request, node, invitee_name, now, old_primary_level),
            )
            for node in current
        ]
        try:
            sharing_store.accept(request, grants, now)
            return [grant.node.node_id for grant in grants]
        except Conflict:  # a node changed between reading and writing: read again
            if attempt == ACCEPT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def decline_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = _own_request(principal, request_id, as_requester=False)
    _require_pending(request, now)
    request_store.answer(request, RequestStatus.DECLINED, now)


def cancel_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = _own_request(principal, request_id, as_requester=True)
    _require_pending(request, now)
    request_store.answer(request, RequestStatus.CANCELLED, now)


def list_share_requests(
    principal: Principal,
    *,
    sent: bool,
    request_id: str | None,
    start_request_id: str | None,
    limit: int,
    now: int,
) -> tuple[list[ShareRequest], str | None]:
    """Pending, unexpired requests received (or sent); with `request_id`, that one request in any
    state, for its requester or invitee."""
    if request_id:
        request = request_store.get(request_id)
        if request is None or principal.user_id not in (request.requester_user_id, request.invitee_user_id):
            raise RequestNotFound(f"Request {request_id} not found")
        return [request], None
    return request_store.list_pending(
        principal.user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )


@dataclass(frozen=True)
class NodeSharing:
    node_id: str
    primary: list[str]
    secondary: list[str]


def _sees_everyone(principal: Principal, role: Role | None) -> bool:
    """The primary and operators see every user of a node; a secondary, at any level, sees the
    primary and itself only (SPEC §3.1). An `rwp` secondary may still remove a user it names."""
    return role is Role.PRIMARY or principal.is_operator


CallersNode = tuple[Node, Role | None]  # a node, and the caller's role on it (None: an operator)


def sharing_of(principal: Principal, nodes: list[CallersNode]) -> list[NodeSharing]:
    """Who has each node, as this caller may see it: (node, the caller's role) in,
    the users by e-mail out. The node item names its primary and current secondaries, so their
    rows are read by key, 100 per BatchGetItem, however many nodes there are."""
    wanted: dict[str, list[str]] = {}
    for node, role in nodes:
        secondaries = node.secondary_user_ids
        if not _sees_everyone(principal, role):
            secondaries = secondaries & {principal.user_id}
        primary = [node.primary_user_id] if node.primary_user_id else []
        wanted[node.node_id] = primary + sorted(secondaries)
    rows = association_store.get_many(
        [(node_id, user_id) for node_id, user_ids in wanted.items() for user_id in user_ids]
    )
    sharings = []
    for node, _ in nodes:
        # A row of an earlier epoch no longer counts (the stream deletes it later).
        current = [
            row
            for user_id in wanted[node.node_id]
            if (row := rows.get((node.node_id, user_id))) is not None and row.epoch == node.epoch
        ]
        sharings.append(
            NodeSharing(
                node.node_id,
                primary=[row.user_name for row in current if row.user_id == node.primary_user_id],
                secondary=[
                    row.user_name
                    for row in current
                    if row.role is Role.SECONDARY and row.user_id != node.primary_user_id
                ],
            )
        )
    return sharings


def node_sharing(principal: Principal, node_id: str, now: int) -> NodeSharing:
    node_access = authorize(principal, Action.READ, node_id, now)
    return sharing_of(principal, [(node_access.node, node_access.decision.role)])[0]


def my_nodes_sharing(principal: Principal, now: int) -> list[NodeSharing]:
    """Sharing details of the caller's nodes (the first 100)."""
    mine, _ = user_nodes(principal, None, MAX_LISTED_NODES, now)
    return sharing_of(principal, [(node.node, node.role) for node in mine])


def remove_user(principal: Principal, node_ids: list[str], user_name: str, now: int) -> None:
    """The primary (or `rwp`) removes a secondary from nodes; a secondary may remove itself."""
    node_ids = list(dict.fromkeys(node_ids))
    user_name = normalize_email(user_name)
    target = user_store.find_by_name(user_name)
    removing_self = target is not None and target.user_id == principal.user_id
    facts = access.load(node_ids, [principal.user_id, *([target.user_id] if target else [])])
    authorize_all(principal, Action.LEAVE if removing_self else Action.SHARE, node_ids, now, facts)
    if target is None:
        raise BadRequest(f"{user_name} has no access to these nodes")
    removals = []
    for node_id in node_ids:
        node, association = facts.of(node_id, target.user_id)
        if node is None or association is None or association.epoch != node.epoch:
            raise BadRequest(f"{user_name} has no access to node {node_id}")
        if association.role is not Role.SECONDARY or node.primary_user_id == target.user_id:
            raise BadRequest(f"{user_name} is the primary of node {node_id}; the primary cannot be removed")
        removals.append(association)
    sharing_store.remove(removals)
