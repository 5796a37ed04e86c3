"""Kii-style ownership (SPEC §3.2 "Ownership", issue 9): claims by thing password, owner groups,
PIN flows, ownership checks, owner lists and giving ownership up.

Owners are the primary and the node's owner groups (user groups made owners under the node's
current epoch): their members act with the primary's rights except transfer and release
(`authorization.decide`, step 1). How the two kinds meet:

- **Claim by password** `{userID, thingPassword}`: the caller becomes primary under a new epoch.
  `{groupID, thingPassword}` (the caller must be a member): the group becomes an owner. Either is
  allowed on a node nobody owns (no primary, no current owner group) or one that reported a
  factory reset under its current epoch (SPEC §2.10): the claim takes the node over, under a new
  epoch (a user claim leaves no owner group; a group claim leaves no primary). A group claim by
  someone who owns the node already (its primary, or a member of an owner group) adds the group
  beside the current owners, under the current epoch. Anything else is refused exactly like a
  wrong password (404, `REJECTED`, the same scrypt work, SPEC §2.4). Scopes hold for every claim.
- **Wrong passwords** are limited (429), in windows of `attempts.WINDOW_SECONDS`: a caller may
  fail `MAX_FAILURES_PER_CALLER` times over all nodes; once a node has had
  `MAX_FAILURES_PER_NODE` failures from anyone, only callers who have not failed on it may try.
  A stranger guessing locks out only itself; the owner, holding the right password, has not failed.
- **PIN flows**, both ways: `request` for `user:<id>` or `group:<id>` answers a six-digit code
  valid `settings.pin_ttl_seconds` (5 minutes, exactly). Started by a user (the named user, or a
  member of the named group), the thing confirms it with its token; started by the thing, the
  named user or a member of the named group confirms it. Confirming is the node's participation
  SPEC §2.10 asks for: it takes the node over under a new epoch, for the user (primary) or the
  group (owner group), in one transaction with the PIN's use (single use). The PIN is bound to
  the node's epoch when it was made (a later change: 409); the one who started it must still
  speak for the owner and be in the node's scopes when it is confirmed (SPEC §2 rule 8). A wrong
  code counts against the confirming caller on that node: `MAX_PIN_FAILURES` per window, then
  429 for that caller only. Any refusal answers the same 404 (`PIN_REJECTED`).
- **Checks and lists**: `HEAD …/ownership/user:<id>|group:<id>` answers 204 / 404 with Kii's
  visibility: the thing and operators may ask about anyone, a user about itself and groups it
  belongs to (anything else: 404, as for a non-owner). `GET …/ownership` → `{users, groups}`
  (user ids and group ids) for the thing, the node's owners and operators.
- **Giving up**: `DELETE …/ownership/user:<own id>` is the primary releasing the node (new epoch,
  SPEC §2.1); `group:<id>`, by a member of the group, removes that group (if no owner is left,
  the node is released: a new epoch). Operators may remove any owner.
"""

from __future__ import annotations

import secrets

from pynamodb.transactions import TransactWrite

from nodeshare.domain.authorization import (
    Action,
    GroupAction,
    NodeAccess,
    NodeFacts,
    authorize,
    authorize_many,
    authorize_owner_check,
    authorize_owner_removal,
    authorize_pin_start,
    authorize_thing,
    decide,
    is_owner,
    may_handle_group,
    node_facts,
    pin_taker,
)
from nodeshare.domain.secrets import dummy_hash, verify_secret
from nodeshare.domain.sharing import caller_name, caller_row_if_needed
from nodeshare.model.entities import Node, OwnerKind, OwnerRef, Pin, Principal, Thing
from nodeshare.model.errors import BadRequest, ClaimRejected, Conflict, TooManyAttempts
from nodeshare.observability import Count, count
from nodeshare.settings import settings
from nodeshare.store import attempts as attempt_store
from nodeshare.store import groups as group_store
from nodeshare.store import nodes as node_store
from nodeshare.store import pins as pin_store
from nodeshare.store.attempts import GuessLimit

REJECTED = "Node not found or thing password incorrect"
PIN_REJECTED = "No such PIN for this node, or not yours to confirm"
MAX_FAILURES_PER_CALLER = 10
MAX_FAILURES_PER_NODE = 20
MAX_PIN_FAILURES = 5
PIN_DIGITS = 6


def parse_owner(text: str) -> OwnerRef:
    """`user:<id>` or `group:<id>` (Kii's spelling) -> an owner reference (else 400)."""
    kind, _, owner_id = text.partition(":")
    if kind not in ("user", "group") or not owner_id or len(owner_id) > 128:
        raise BadRequest("The owner must be user:<id> or group:<id>")
    return OwnerRef(OwnerKind(kind), owner_id)


# --- claims by thing password ---------------------------------------------------------------------


def claim_node(
    principal: Principal,
    node_id: str,
    user_id: str | None,
    group_id: str | None,
    thing_password: str,
    now: int,
) -> int:
    """Claim `node_id` for the caller (`user_id`, which must be the caller's) or for a group of
    the caller's (`group_id`); returns the node's epoch after. Round trips: the attempt counters,
    the decision (with the caller's row), the group when one is named, the claim."""
    guesses = GuessLimit(
        f"caller:{principal.user_id}", f"node:{node_id}", MAX_FAILURES_PER_CALLER, MAX_FAILURES_PER_NODE
    )
    if guesses.exceeded(now):
        raise TooManyAttempts("Too many wrong thing passwords; try again later")
    # The caller's e-mail (not in an access token) is read with the decision's facts.
    checked = authorize_many(
        principal, Action.CLAIM, [node_id], now, user_rows=caller_row_if_needed(principal)
    )
    outcome = checked.outcomes[node_id]
    facts = node_facts(principal.user_id, node_id, checked.facts)
    takes_over = isinstance(outcome, NodeAccess)
    node = facts.node
    allowed = node is not None and (
        (user_id is not None and user_id == principal.user_id and takes_over)
        or (group_id is not None and _may_make_owner(principal, group_id, takes_over, facts, now))
    )
    password_ok = verify_secret(thing_password, node.secret_hash if node else dummy_hash())
    if node is None or not password_ok or not allowed:
        guesses.record_failure(now)
        raise ClaimRejected(REJECTED)
    if group_id is None:
        epoch = node_store.claim(node, principal.user_id, caller_name(principal, checked.facts), now)
    elif takes_over:
        epoch = node_store.set_owner_groups(node, [group_id], new_epoch=node.owned)
    else:
        epoch = node_store.set_owner_groups(node, [*node.current_owner_groups, group_id], new_epoch=False)
    count(Count.NODES_CLAIMED)
    return epoch


def _may_make_owner(
    principal: Principal, group_id: str, takes_over: bool, facts: NodeFacts, now: int
) -> bool:
    """A group claim: the caller is a member of the group, and either may take the node over
    (`Action.CLAIM`) or owns it already (`Action.OWN`)."""
    member, _ = may_handle_group(principal, GroupAction.ACT_FOR, group_store.get(group_id))
    return member and (takes_over or decide(principal, Action.OWN, facts, now).allowed)


# --- checks, lists, giving up ---------------------------------------------------------------------


def check_owner(caller: Principal | Thing, node_id: str, owner: OwnerRef, now: int) -> bool:
    """Whether `owner` owns the node, for a caller allowed to ask (else the same 404)."""
    if isinstance(caller, Thing):
        return is_owner(owner, authorize_thing(caller, node_id))
    return authorize_owner_check(caller, owner, node_id, now)


def list_owners(caller: Principal | Thing, node_id: str, now: int) -> tuple[list[str], list[str]]:
    """(user ids, group ids) owning the node, for the thing, its owners and operators."""
    if isinstance(caller, Thing):
        node = authorize_thing(caller, node_id)
    else:
        node = authorize(caller, Action.SEE_OWNERS, node_id, now).node
    return ([node.primary_user_id] if node.primary_user_id else []), list(node.current_owner_groups)


def remove_owner(principal: Principal, node_id: str, owner: OwnerRef, now: int) -> None:
    """Give up `owner`'s ownership: a primary releases the node, a group leaves the owners."""
    node = authorize_owner_removal(principal, owner, node_id, now)
    if owner.kind is OwnerKind.USER:
        node_store.release(node, owner.id)
        return
    remaining = [group for group in node.current_owner_groups if group != owner.id]
    node_store.set_owner_groups(node, remaining, new_epoch=False)


# --- PIN flows ------------------------------------------------------------------------------------


def request_pin(caller: Principal | Thing, node_id: str, owner: OwnerRef, now: int) -> str:
    """A new PIN for `owner`; the other side confirms it. A user starts one only for itself or a
    group it belongs to (else 404, as for a group it cannot see); an unknown node still gets a
    code, which no thing will ever confirm (SPEC §2.4)."""
    if isinstance(caller, Thing):
        node: Node | None = authorize_thing(caller, node_id)
        requester = ""
    else:
        node, requester = authorize_pin_start(caller, owner, node_id), caller.user_id
    expires_at = now + settings().pin_ttl_seconds
    for _ in range(5):
        code = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
        pin = Pin(
            node_id, code, owner, isinstance(caller, Thing), requester, node.epoch if node else -1, expires_at
        )
        try:
            pin_store.create(pin, now)
        except Conflict:
            continue  # that code is live on this node: draw another
        return code
    raise Conflict("Could not draw a free PIN; retry")


def confirm_pin(caller: Principal | Thing, node_id: str, code: str, now: int) -> None:
    """Confirm a PIN the other side started: the owner it names takes the node over."""
    counter = f"pin:{node_id}:{'thing' if isinstance(caller, Thing) else caller.user_id}"
    if attempt_store.failures([counter], now)[counter] >= MAX_PIN_FAILURES:
        raise TooManyAttempts("Too many wrong PINs for this node; try again later")
    pin = pin_store.get_pending(node_id, code, now)
    if pin is None or pin.started_by_thing is isinstance(caller, Thing):
        attempt_store.record_failure([counter], now)
        raise ClaimRejected(PIN_REJECTED)
    if isinstance(caller, Thing):
        authorize_thing(caller, node_id)  # its own node, under its current secret
        # The user who started it must still speak for the owner, within the node's scopes.
        taker = Principal(pin.requester_user_id, "")
    else:
        taker = caller
    taken = pin_taker(taker, pin.owner, node_id, now)
    if taken is None:
        attempt_store.record_failure([counter], now)
        raise ClaimRejected(PIN_REJECTED)
    node, loaded = taken
    if node.epoch != pin.epoch:
        raise Conflict(f"Node {node_id} changed hands since the PIN was made; start again")

    def use(transaction: TransactWrite) -> None:
        pin_store.use_in(transaction, pin, now)

    if pin.owner.kind is OwnerKind.USER:  # the taker is that user (`speaks_for`)
        node_store.claim(node, taker.user_id, caller_name(taker, loaded), now, also=use)
    else:
        node_store.set_owner_groups(node, [pin.owner.id], new_epoch=True, also=use)
    count(Count.NODES_CLAIMED)
