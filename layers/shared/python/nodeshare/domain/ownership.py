"""Kii-style ownership: claiming a node with its thing password.

A claim makes the caller primary under a new epoch (SPEC §2.1): the previous primary and every
secondary stop counting at once, and the stream processor deletes their rows.
"""

from __future__ import annotations

from nodeshare.domain.authorization import Action, NodeAccess, authorize_many
from nodeshare.domain.secrets import dummy_hash, verify_secret
from nodeshare.domain.users import user_name_of
from nodeshare.model.entities import Principal
from nodeshare.model.errors import ClaimRejected
from nodeshare.store import nodes as node_store

# One answer for an unknown node, a wrong password, a node out of the caller's scope and another
# user's id: the caller learns nothing about nodes it cannot claim (SPEC §2.4).
REJECTED = "Node not found or thing password incorrect"


def claim_node(principal: Principal, node_id: str, claimed_for: str, thing_password: str, now: int) -> int:
    """Claim `node_id` for the caller; returns the node's new epoch. Whether the caller may claim
    it at all (scopes) is the one decision point's `Action.CLAIM`; the thing password is
    checked here, as authentication, with the same scrypt work whatever the outcome."""
    outcome = authorize_many(principal, Action.CLAIM, [node_id], now).outcomes[node_id]
    node = outcome.node if isinstance(outcome, NodeAccess) else None
    password_ok = verify_secret(thing_password, node.secret_hash if node else dummy_hash())
    if node is None or not password_ok or claimed_for != principal.user_id:
        raise ClaimRejected(REJECTED)
    return node_store.claim(node, principal.user_id, user_name_of(principal), now)
