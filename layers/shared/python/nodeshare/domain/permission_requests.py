"""BuildingDepot permission requests: a user asks a node's primary for a level on it; the primary
approves (possibly at a lower level) or declines; the requester may cancel; 7 days to answer
(SPEC §2.2, §3.2; seeds/001).

- One request per node. `POST` with n nodes stores n requests and answers their ids, in the order
  of the (de-duplicated) nodes. Decision: grouping nodes by primary would let the requester learn
  which nodes share a primary, and so that a node it cannot see exists; one request per node
  answers alike for every node, and each answer is one transaction (the request, the grant on
  the node and the requester's index of what it was granted).
- The approver is the node's primary when the request is made. A node that does not exist or has
  no primary gets a request exactly like any other, which nobody can answer (as sharing with an
  unknown e-mail, SPEC §2.4); it lists for its requester, can be cancelled, and expires. The
  requester is never told who the approver is.
- A node the requester is primary of is a 400: it only learns what it knows.
- Levels `dr`, `r`, `rw`, `rwp`, or BuildingDepot's `d/r`, `r/w`, `r/w/p`. The approver may grant
  a lower level than asked for (`dr` included), never a higher one (400).
- Accepting is honoured only if the approver may still share the node (`Action.SHARE` through
  the one decision) under the epoch the request was made in (SPEC §2 rule 8): a re-claim,
  transfer or release since makes it a 409 and nothing is granted. The grant goes to the
  requester on the node, records that epoch and `granted_by` = the approver's `decision.onward`,
  and replaces any grant the requester had on the node. Like any grant it joins the requester's
  other sources, and the most restrictive wins (SPEC §1.1): asking for more than a share gives
  changes nothing while that share stands.
- Declining needs no authority over the node: it grants nothing.
- Answering or cancelling a request that is no longer pending is 409, an expired one 410; anyone
  but its requester and its approver gets 404, operators included.
"""

from __future__ import annotations

from dataclasses import replace

from nodeshare.domain.authorization import (
    Action,
    NodeAccess,
    RequestAction,
    authorize_many,
    authorize_permission_request,
    authorize_under_epochs,
)
from nodeshare.domain.permissions import check_room, parse_level
from nodeshare.domain.sharing import caller_name, caller_row_if_needed, new_request_id, require_pending
from nodeshare.model.entities import USER_SUBJECT, Grant, PermissionRequest, Principal, RequestStatus
from nodeshare.model.errors import BadRequest, Conflict
from nodeshare.model.levels import Level
from nodeshare.settings import settings
from nodeshare.store import permission_requests as request_store

ACCEPT_ATTEMPTS = 3
# The epoch recorded for a node that does not exist: any claim of a node with that id later
# moves past it, and the cascade then drops the request.
NO_NODE_EPOCH = 0


def request_permission(principal: Principal, node_ids: list[str], permission: str, now: int) -> list[str]:
    """Ask each node's primary for `permission` on it: one request per node; their ids.

    The decision's loading (two round trips, in BatchGetItems of 100 keys) and two transactions
    (the lines, then the headers) for up to 100 nodes.
    """
    node_ids = list(dict.fromkeys(node_ids))
    level = parse_level(permission)
    # The primary alone may transfer: a granted outcome says the caller is the node's primary.
    checked = authorize_many(
        principal, Action.TRANSFER, node_ids, now, user_rows=caller_row_if_needed(principal)
    )
    for node_id, outcome in checked.outcomes.items():
        if isinstance(outcome, NodeAccess):
            raise BadRequest(f"You are the primary of node {node_id}; there is no one to ask")
    requester_name = caller_name(principal, checked.facts)
    requests = []
    for node_id in node_ids:
        node = checked.facts.nodes.get(node_id)  # who to ask, not whether: anyone may ask
        requests.append(
            PermissionRequest(
                request_id=new_request_id(),
                requester_user_id=principal.user_id,
                requester_user_name=requester_name,
                approver_user_id=node.primary_user_id if node else None,
                node_id=node_id,
                node_epoch=node.epoch if node else NO_NODE_EPOCH,
                level=level,
                status=RequestStatus.PENDING,
                created_at=now,
                expires_at=now + settings().request_ttl_seconds,
            )
        )
    request_store.create_many(requests)
    return [request.request_id for request in requests]


def granted_level(asked: Level, permission: str | None) -> Level:
    """The level an approval grants: the one asked for, or a lower one the approver names."""
    if permission is None:
        return asked
    level = parse_level(permission)
    if level.rank > asked.rank:
        raise BadRequest(f"The request asks for {asked}: it may be granted at that level or lower")
    return level


def accept_permission_request(
    principal: Principal, request_id: str, permission: str | None, now: int
) -> PermissionRequest:
    """The approver grants the requester the level asked for (or the lower `permission`) on the
    node, if it may still share it under the request's epoch; the request as answered."""
    for attempt in range(ACCEPT_ATTEMPTS):
        request = authorize_permission_request(principal, RequestAction.ANSWER, request_id)
        require_pending(request, now)
        level = granted_level(request.level, permission)
        checked = authorize_under_epochs(principal, Action.SHARE, {request.node_id: request.node_epoch}, now)
        node_access = checked.granted().get(request.node_id)
        if node_access is None:
            raise Conflict(
                f"You may no longer grant access to node {request.node_id} (it changed owner since "
                "the request); the request cannot be accepted"
            )
        subject = USER_SUBJECT + request.requester_user_id
        check_room(node_access.node, subject)
        grant = Grant(subject, level, request.node_epoch, node_access.decision.onward, now)
        try:
            request_store.accept(request, node_access.node, grant, now)
        except Conflict:  # the node's access changed between reading and writing: read again
            if attempt == ACCEPT_ATTEMPTS - 1:
                raise
            continue
        return replace(request, status=RequestStatus.ACCEPTED, answered_at=now, granted_level=level)
    raise AssertionError("unreachable")


def decline_permission_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_permission_request(principal, RequestAction.ANSWER, request_id)
    require_pending(request, now)
    request_store.answer(request, RequestStatus.DECLINED, now)


def cancel_permission_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_permission_request(principal, RequestAction.CANCEL, request_id)
    require_pending(request, now)
    request_store.answer(request, RequestStatus.CANCELLED, now)


def list_permission_requests(
    principal: Principal,
    *,
    sent: bool,
    request_id: str | None,
    start_request_id: str | None,
    limit: int,
    now: int,
) -> tuple[list[PermissionRequest], str | None]:
    """Pending, unexpired requests the caller may answer (or has sent); with `request_id`, that one
    request in any state, for its requester or approver."""
    if request_id:
        return [authorize_permission_request(principal, RequestAction.VIEW, request_id)], None
    return request_store.list_pending(
        principal.user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )
