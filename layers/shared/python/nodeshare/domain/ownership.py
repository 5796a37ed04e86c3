"""Kii-style ownership: claiming a node with its thing password (SPEC §2.1).

- A claim makes the caller primary under a new epoch. Only a node nobody owns may be claimed
  (never yet, or released by its primary): a claim of an owned node is refused exactly like a
  wrong password, so a password printed on a box is not a takeover key. The node's scopes hold
  for every claim (`authorization.decide`, `Action.CLAIM`).
- One answer (404, `REJECTED`) and the same scrypt work for an unknown node, a wrong password, an
  owned node, a node outside the caller's scopes and another user's id (SPEC §2.4).
- Wrong guesses are limited (429), in windows of `attempts.WINDOW_SECONDS`: a caller may fail
  `MAX_FAILURES_PER_CALLER` times over all nodes; once a node has had `MAX_FAILURES_PER_NODE`
  failures from anyone, only callers who have not failed on it may still try it. A stranger
  guessing can therefore lock out only itself: the owner, holding the right password, has not
  failed, and its first try succeeds.
"""

from __future__ import annotations

from nodeshare.domain.authorization import Action, NodeAccess, authorize_many
from nodeshare.domain.secrets import dummy_hash, verify_secret
from nodeshare.domain.sharing import caller_name, caller_row_if_needed
from nodeshare.model.entities import Principal
from nodeshare.model.errors import ClaimRejected, TooManyAttempts
from nodeshare.store import attempts as attempt_store
from nodeshare.store import nodes as node_store

REJECTED = "Node not found or thing password incorrect"
MAX_FAILURES_PER_CALLER = 10
MAX_FAILURES_PER_NODE = 20


def claim_node(principal: Principal, node_id: str, claimed_for: str, thing_password: str, now: int) -> int:
    """Claim `node_id` for the caller; returns the node's new epoch. Whether the caller may claim
    it at all is the one decision point's `Action.CLAIM`; the thing password is checked here, as
    authentication, with the same scrypt work whatever the outcome. Round trips: the attempt
    counters, the decision (with the caller's row), the claim."""
    by_caller, on_node = f"caller:{principal.user_id}", f"node:{node_id}"
    by_caller_on_node = f"{on_node}:{by_caller}"
    seen = attempt_store.failures([by_caller, on_node, by_caller_on_node], now)
    if seen[by_caller] >= MAX_FAILURES_PER_CALLER or (
        seen[on_node] >= MAX_FAILURES_PER_NODE and seen[by_caller_on_node] > 0
    ):
        raise TooManyAttempts("Too many wrong thing passwords; try again later")
    # The caller's e-mail (not in an access token) is read with the decision's facts.
    checked = authorize_many(
        principal, Action.CLAIM, [node_id], now, user_rows=caller_row_if_needed(principal)
    )
    outcome = checked.outcomes[node_id]
    node = outcome.node if isinstance(outcome, NodeAccess) else None
    password_ok = verify_secret(thing_password, node.secret_hash if node else dummy_hash())
    if node is None or not password_ok or claimed_for != principal.user_id:
        attempt_store.record_failure([by_caller, on_node, by_caller_on_node], now)
        raise ClaimRejected(REJECTED)
    return node_store.claim(node, principal.user_id, caller_name(principal, checked.facts), now)
