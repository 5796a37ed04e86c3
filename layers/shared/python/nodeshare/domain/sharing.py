"""RainMaker node sharing: share requests (create, accept, decline, cancel, list), sharing details
and removing users (SPEC §1, §2, §3.1; seeds/000).

- The requester must be primary or `rwp` of every node; a transfer needs the primary.
- An unknown e-mail gets exactly the answer a known one gets: a request id that can never be
  accepted (SPEC §2.4).
- Sharing with someone who already has access updates that access instead of creating a request.
- A retried create (the same caller, invitee, nodes, options, while the first is pending) answers
  the first request's id and makes no second request (`store.requests.create_once`).
- Accepting needs the invitee, a pending unexpired request, and grants only nodes whose epoch is
  unchanged since the request (a re-claim or transfer meanwhile voids the offer for that node).
- `sub_role` (esp-rainmaker-cli `sharing add_user --sub_role 1-4`): in RainMaker a sub-role is a
  label an app gives a secondary (e.g. "guest", "installer"); the cloud keeps it and the app
  decides what it means. nodeshare does the same: it stores the integer on the request and, on
  accept, on the invitee's association, and returns it (`sharing_requests`, and `node_details` of
  the invitee); it never changes the level or any decision. Sharing again with a user who already
  has access replaces its level and its sub-role (absent: none). A transfer makes the invitee
  primary, which has no sub-role.
- `new_role` (`--transfer --new_role primary|secondary`): what the old primary becomes once the
  transfer is accepted (`NEW_ROLE_LEVELS`); without it, the old primary leaves. It is refused
  without `transfer` (esp-rainmaker-cli 1.14.1 drops `--new_role` unless `--transfer` is given, so
  a plain `add_user` never sends it).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from nodeshare.domain.authorization import (
    Action,
    AnyRequest,
    Decision,
    RequestAction,
    SourceKind,
    authorize,
    authorize_many,
    authorize_request,
    authorize_requester,
    counting_users,
    current_association,
)
from nodeshare.domain.stored_json import check_storable
from nodeshare.domain.users import normalize_email
from nodeshare.model.entities import Association, GrantedBy, Node, Principal, RequestStatus, ShareRequest
from nodeshare.model.errors import BadRequest, Conflict, GroupLimitReached, RequestExpired, RequestNotPending
from nodeshare.model.levels import DEFAULT_SECONDARY_LEVEL, Level
from nodeshare.observability import Count, count
from nodeshare.settings import settings
from nodeshare.store import associations as association_store
from nodeshare.store import requests as request_store
from nodeshare.store import sharing as sharing_store
from nodeshare.store import users as user_store
from nodeshare.store.access import Facts

ACCEPT_ATTEMPTS = 3
MAX_LISTED_NODES = 100
# Secondaries per node: the node item lists them (`secondary_user_ids`), and DynamoDB's 400 KB
# item must never refuse a write with a 500; accepting one more is a 409 (GroupLimitReached).
MAX_SECONDARIES = 100
# Decision: `new_role` names what the old primary becomes after a transfer; absent, it leaves.
# "primary" (the CLI's other choice) keeps the old primary as an `rwp` secondary: a node has one
# primary, and `rwp` is RainMaker's "share as primary".
NEW_ROLE_LEVELS = {
    "primary": Level.READ_WRITE_PERMISSION,
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
    sub_role: int | None = None,
) -> str:
    """Returns the request id (for nodes whose access was only updated, it names no request).

    Three round trips for up to 33 nodes: the invitee by e-mail; one batch of the nodes, the
    caller's and the invitee's associations with them and the caller's user row; the write.
    """
    node_ids = list(dict.fromkeys(node_ids))
    user_name = normalize_email(user_name)
    if new_role is not None and (not transfer or new_role not in NEW_ROLE_LEVELS):
        raise BadRequest(f"new_role must go with transfer and be one of {', '.join(NEW_ROLE_LEVELS)}")
    check_storable(metadata, "metadata")  # kept on the request and shown in its lists
    level = Level.READ_WRITE_PERMISSION if primary else DEFAULT_SECONDARY_LEVEL

    invitee = user_store.find_by_name(user_name)
    if user_name == principal.user_name or (invitee is not None and invitee.user_id == principal.user_id):
        raise BadRequest("Cannot share nodes with yourself")
    checked = authorize_many(
        principal,
        Action.TRANSFER if transfer else Action.SHARE,
        node_ids,
        now,
        other_users=[invitee.user_id] if invitee else [],
        user_rows=caller_row_if_needed(principal),
    )
    granted = checked.raise_first_refusal()
    requester_name = caller_name(principal, checked.facts)

    updates: list[tuple[Association, Level, GrantedBy]] = []
    offered = dict.fromkeys(node_ids)
    if invitee is not None and not transfer:
        for node_id in node_ids:
            if granted[node_id].node.primary_user_id == invitee.user_id:
                raise BadRequest(f"{user_name} is already the primary of node {node_id}")
            association = current_association(checked.facts, node_id, invitee.user_id)
            if association is not None:
                updates.append((association, level, granted[node_id].decision.onward))
                offered.pop(node_id)
    if updates:
        sharing_store.set_levels(updates, sub_role)
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
            sub_role=sub_role,
        )
        # A retried create (same caller, invitee, nodes at the same epochs, options) answers the
        # request the first one made while it is pending, instead of making a second.
        made = request_store.create_once(request, _content_key(request), now, new_request_id)
        if made == request.request_id:  # a new request, not a retry answered with the first one
            count(Count.SHARE_REQUESTS_CREATED)
        return made
    return request_id


def _content_key(request: ShareRequest) -> str:
    """What makes two share requests the same request: everything but id and times."""
    content = {
        "requester": request.requester_user_id,
        "invitee": request.invitee_user_name,
        "nodes": sorted(request.node_epochs.items()),
        "level": request.level.value,
        "transfer": request.transfer,
        "new_role": request.new_role,
        "metadata": request.metadata,
        "sub_role": request.sub_role,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def caller_row_if_needed(principal: Principal) -> list[str]:
    """The caller's user row, to read with the nodes when its e-mail is not in the token (an
    access token carries none: the rule of `users.user_name_of`, without a round trip of its own)."""
    return [] if principal.user_name else [principal.user_id]


def caller_name(principal: Principal, facts: Facts) -> str:
    """The caller's e-mail: from the token, else from the row `caller_row_if_needed` asked for."""
    if principal.user_name:
        return principal.user_name
    user = facts.users.get(principal.user_id)
    return user.user_name if user else ""


def require_pending(request: AnyRequest, now: int) -> None:
    """Answering or cancelling needs a pending request (else 409) that has not expired (else 410)."""
    if request.status is not RequestStatus.PENDING:
        raise RequestNotPending(f"Request {request.request_id} was already {request.status.value}")
    if request.expires_at <= now:
        raise RequestExpired(f"Request {request.request_id} has expired")


def accept_share_request(principal: Principal, request_id: str, now: int) -> list[str]:
    """The invitee accepts: access to every node on which the requester may still share (SPEC §2
    rule 8) under the epoch of the request; returns those ids."""
    for attempt in range(ACCEPT_ATTEMPTS):
        request = authorize_request(principal, RequestAction.ANSWER, request_id)
        require_pending(request, now)
        # The requester's authority now and, with an access token (no e-mail in it), the invitee's
        # user row: the same round trips.
        checked = authorize_requester(request, now, user_rows=caller_row_if_needed(principal))
        entitled = checked.granted()
        if not entitled:
            # The requester lost the right to share every node, or they changed owner (SPEC §2.1).
            raise Conflict("The requester may no longer share these nodes; the request cannot be accepted")
        for node_access in entitled.values():
            secondaries = node_access.node.secondary_user_ids
            if len(secondaries) >= MAX_SECONDARIES and principal.user_id not in secondaries:
                raise GroupLimitReached(
                    f"Node {node_access.node.node_id} has {MAX_SECONDARIES} secondaries already"
                )
        invitee_name = caller_name(principal, checked.facts)
        old_primary_level = NEW_ROLE_LEVELS.get(request.new_role or "")
        grants = [
            sharing_store.NodeGrant(
                node_access.node,
                sharing_store.grant_operations(
                    request,
                    node_access.node,
                    invitee_name,
                    now,
                    old_primary_level,
                    node_access.decision.onward,
                ),
            )
            for node_access in entitled.values()
        ]
        try:
            sharing_store.accept(request, grants, now)
            count(Count.SHARE_REQUESTS_ACCEPTED)
            return [grant.node.node_id for grant in grants]
        except Conflict:  # a node changed between reading and writing: read again
            if attempt == ACCEPT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def decline_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_request(principal, RequestAction.ANSWER, request_id)
    require_pending(request, now)
    request_store.answer(request, RequestStatus.DECLINED, now)


def cancel_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_request(principal, RequestAction.CANCEL, request_id)
    require_pending(request, now)
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
        return [authorize_request(principal, RequestAction.VIEW, request_id)], None
    return request_store.list_pending(
        principal.user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )


@dataclass(frozen=True)
class NodeSharing:
    node_id: str
    primary: list[str]
    secondary: list[str]


CallersNode = tuple[Node, Decision]  # a node, and the decision that let the caller read it


def sharing_of(principal: Principal, nodes: list[CallersNode]) -> list[NodeSharing]:
    """Who has each node, as this caller may see it (`Decision.sees_every_user`): (node, the
    caller's decision) in, users by e-mail out. The node item names its primary and secondaries,
    so their rows are read by key, 100 per BatchGetItem, however many nodes there are; which rows
    count is `authorization.counting_users`."""
    wanted: dict[str, list[str]] = {}
    for node, decision in nodes:
        secondaries = node.secondary_user_ids
        if not decision.sees_every_user:
            secondaries = secondaries & {principal.user_id}
        primary = [node.primary_user_id] if node.primary_user_id else []
        wanted[node.node_id] = primary + sorted(secondaries)
    rows = association_store.get_many(
        [(node_id, user_id) for node_id, user_ids in wanted.items() for user_id in user_ids]
    )
    sharings = []
    for node, decision in nodes:
        node_rows = {
            user_id: row for user_id in wanted[node.node_id] if (row := rows.get((node.node_id, user_id)))
        }
        primary_rows, secondary_rows = counting_users(node, node_rows, decision.owners)
        if not decision.sees_every_user:
            # The caller's own row counts exactly when its decision says its share does.
            own = node_rows.get(principal.user_id)
            secondary_rows = [own] if own is not None and _shared(decision) else []
        sharings.append(
            NodeSharing(
                node.node_id,
                primary=[row.user_name for row in primary_rows],
                secondary=[row.user_name for row in secondary_rows],
            )
        )
    return sharings


def _shared(decision: Decision) -> bool:
    return any(source.kind is SourceKind.ASSOCIATION and source.counts for source in decision.sources)


def node_sharing(principal: Principal, node_id: str, now: int) -> NodeSharing:
    node_access = authorize(principal, Action.READ, node_id, now)
    return sharing_of(principal, [(node_access.node, node_access.decision)])[0]


def my_nodes_sharing(principal: Principal, now: int) -> list[NodeSharing]:
    """Sharing details of the caller's nodes (the first 100)."""
    from nodeshare.domain.nodes import list_user_nodes  # this listing alone, of the sharing routes

    mine = list_user_nodes(principal, None, MAX_LISTED_NODES, now).nodes
    return sharing_of(principal, [(node.node, node.decision) for node in mine])


# One answer for "unknown e-mail" and "known user without access" (SPEC §2.4).
NO_ACCESS = "{user_name} has no access to these nodes"


def remove_user(principal: Principal, node_ids: list[str], user_name: str, now: int) -> None:
    """The primary (or `rwp`) removes a secondary from nodes; a secondary may remove itself."""
    node_ids = list(dict.fromkeys(node_ids))
    user_name = normalize_email(user_name)
    target = user_store.find_by_name(user_name)
    removing_self = target is not None and target.user_id == principal.user_id
    checked = authorize_many(
        principal,
        Action.LEAVE if removing_self else Action.SHARE,
        node_ids,
        now,
        other_users=[target.user_id] if target and not removing_self else [],
    )
    granted = checked.raise_first_refusal()
    if target is None:
        raise BadRequest(NO_ACCESS.format(user_name=user_name))
    removals = []
    for node_id in node_ids:
        if granted[node_id].node.primary_user_id == target.user_id:
            raise BadRequest(f"{user_name} is the primary of node {node_id}; the primary cannot be removed")
        association = current_association(checked.facts, node_id, target.user_id)
        if association is None:
            raise BadRequest(NO_ACCESS.format(user_name=user_name))
        removals.append(association)
    sharing_store.remove(removals)
