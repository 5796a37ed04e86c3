"""RainMaker provisioning: a user-node mapping request the node confirms (issue 9).

`esp-rainmaker-cli provision` / `test --addnode` give the node a fresh secret key and send
`PUT /v1/user/nodes/mapping {node_id, secret_key, operation: "add"}`; the node sends the same
user id and key with its thing token (`PUT /v1/things/{node_id}/mapping`); the CLI polls
`GET /v1/user/nodes/mapping?request_id=` for `requested`, `confirmed`, `timedout` or `discarded`.

- Either side may come first. The request id is a hash of (node id, user id, secret key), so
  both sides name the same request without a lookup, and a retry of either is the same request.
- Confirmation makes the user primary under a new epoch, in one transaction with the request's
  new status (SPEC §2.1): the node's own confirmation is the participation SPEC §2.10 asks for,
  so an owned node may be provisioned this way. Whether the user may is asked of the one
  decision (`Action.PROVISION`: scopes) when the second side arrives (SPEC §2 rule 8); refused,
  the request is `discarded`.
- An unknown or out-of-scope node answers a request id like any other (SPEC §2.4); it is never
  confirmed and times out. Requests expire `settings.mapping_ttl_seconds` after they are made
  (10 minutes), exactly: every read and condition checks `expires_at`.
- Only the requester sees a request's status; anyone else's is a 404 like a missing one.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress

from nodeshare.domain.authorization import (
    Action,
    NodeAccess,
    authorize_many,
    authorize_mapping,
    authorize_thing,
)
from nodeshare.domain.sharing import caller_name
from nodeshare.model.entities import MappingRequest, MappingStatus, Principal, Thing
from nodeshare.model.errors import BadRequest, Conflict
from nodeshare.observability import Count, count
from nodeshare.settings import settings
from nodeshare.store import mappings as mapping_store
from nodeshare.store import nodes as node_store

REQUEST_ID_LENGTH = 32


def request_id_for(node_id: str, user_id: str, secret_key: str) -> str:
    digest = hashlib.sha256("\0".join((node_id, user_id, secret_key)).encode()).hexdigest()
    return digest[:REQUEST_ID_LENGTH]


def request_mapping(principal: Principal, node_id: str, secret_key: str, now: int) -> str:
    """The user's side: a request id (the same for a retry); completes a request the node made."""
    if not secret_key:
        raise BadRequest("secret_key is required to add a mapping")
    request_id = request_id_for(node_id, principal.user_id, secret_key)
    mapping = mapping_store.get(request_id, now)
    if mapping is not None and mapping.status is MappingStatus.OFFERED:
        _complete(mapping, now)
    elif mapping is None or mapping.status is MappingStatus.TIMEDOUT:
        _start(request_id, node_id, principal.user_id, MappingStatus.REQUESTED, now)
    return request_id


def confirm_mapping(thing: Thing, node_id: str, user_id: str, secret_key: str, now: int) -> None:
    """The node's side: completes the user's request, or waits for it."""
    authorize_thing(thing, node_id)
    request_id = request_id_for(node_id, user_id, secret_key)
    mapping = mapping_store.get(request_id, now)
    if mapping is not None and mapping.status is MappingStatus.REQUESTED:
        _complete(mapping, now)
    elif mapping is None or mapping.status is MappingStatus.TIMEDOUT:
        _start(request_id, node_id, user_id, MappingStatus.OFFERED, now)


def mapping_status(principal: Principal, request_id: str, now: int) -> MappingStatus:
    mapping = authorize_mapping(principal, request_id, now)
    # The node's confirmation waiting for the user's request is, to the user, still requested.
    return MappingStatus.REQUESTED if mapping.status is MappingStatus.OFFERED else mapping.status


def _start(request_id: str, node_id: str, user_id: str, status: MappingStatus, now: int) -> None:
    expires_at = now + settings().mapping_ttl_seconds
    # A Conflict is the same request, made meanwhile by a retry: it stands.
    with suppress(Conflict):
        mapping_store.put(MappingRequest(request_id, node_id, user_id, status, expires_at), now)


def _complete(mapping: MappingRequest, now: int) -> None:
    """Make the requester primary if the decision allows it now, else discard the request."""
    requester = Principal(mapping.user_id, "")
    checked = authorize_many(requester, Action.PROVISION, [mapping.node_id], now, user_rows=[mapping.user_id])
    access = checked.outcomes[mapping.node_id]
    if not isinstance(access, NodeAccess):
        mapping_store.discard(mapping, now)
        return
    node_store.claim(
        access.node,
        mapping.user_id,
        caller_name(requester, checked.facts),
        now,
        also=lambda transaction: mapping_store.confirm_in(transaction, mapping, now),
    )
    count(Count.NODES_CLAIMED)
