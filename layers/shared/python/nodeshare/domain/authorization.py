"""The one decision point (SPEC §2.3): `decide(principal, action, facts, now) -> Decision`.

Every endpoint that touches a node calls `authorize`, which loads the facts about one user and
one node in a single round trip and asks `decide`. No handler decides access on its own.

Revocation is immediate (SPEC §2.1): an association counts only while it was made under the
node's current epoch, so a re-claim, transfer or release cuts off every earlier secondary at
once, before the stream processor has deleted anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nodeshare.model.entities import Association, Node, Principal, Role
from nodeshare.model.errors import AccessDenied, NodeNotFound
from nodeshare.model.levels import Level
from nodeshare.store import access


class Action(StrEnum):
    READ = "read"  # config, params, status, sharing details
    WRITE = "write"  # set params, run actions
    SHARE = "share"  # grant or revoke access for others, manage tags
    TRANSFER = "transfer"  # hand the node to another primary: the primary alone
    LEAVE = "leave"  # remove one's own association with the node


# The least level each action needs (TRANSFER: none, only the primary). The primary is never restricted.
NEEDED_LEVEL = {
    Action.READ: Level.READ,
    Action.WRITE: Level.READ_WRITE,
    Action.SHARE: Level.READ_WRITE_PERMISSION,
    Action.LEAVE: Level.DENY_READ,
}
PRIMARY_ONLY = {Action.TRANSFER}


@dataclass(frozen=True)
class AccessFacts:
    """Everything `decide` needs about one principal and one node."""

    node: Node | None
    association: Association | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The caller may know the node exists (it has a current association, or is an operator).
    visible: bool
    role: Role | None
    level: Level | None
    reasons: tuple[str, ...]


def decide(principal: Principal, action: Action, facts: AccessFacts, now: int) -> Decision:
    """Pure: the decision and the reasons for it. `now` (epoch seconds) is for time-bound rules."""
    node, association = facts.node, facts.association
    if node is None:
        return Decision(False, False, None, None, ("node does not exist",))

    if node.primary_user_id == principal.user_id:
        return Decision(True, True, Role.PRIMARY, None, (f"primary of the node (epoch {node.epoch})",))

    reasons: list[str] = []
    role: Role | None = None
    level: Level | None = None
    if association is not None:
        if association.epoch != node.epoch:
            reasons.append(f"association from epoch {association.epoch} is stale (node epoch {node.epoch})")
        elif association.role is Role.SECONDARY:
            role, level = Role.SECONDARY, association.level
            reasons.append(f"secondary with level {level} (epoch {node.epoch})")

    if level is not None:
        if action in PRIMARY_ONLY:
            return Decision(False, True, role, level, (*reasons, f"only the primary may {action}"))
        needed = NEEDED_LEVEL[action]
        if level.allows(needed) or action is Action.LEAVE:
            return Decision(True, True, role, level, (*reasons, f"{action} needs {needed}"))
        return Decision(False, True, role, level, (*reasons, f"{action} needs {needed}, has {level}"))

    if principal.is_operator:
        # Operators see everything (SPEC §1) but act on nodes only through their own associations.
        allowed = action is Action.READ
        reasons.append("operator may read every node" if allowed else f"operators may not {action}")
        return Decision(allowed, True, None, None, tuple(reasons))

    reasons.append("no current association with the node")
    return Decision(False, False, None, None, tuple(reasons))


@dataclass(frozen=True)
class NodeAccess:
    """A granted decision together with the facts it was made on (reused by the caller)."""

    node: Node
    association: Association | None
    decision: Decision


def authorize(principal: Principal, action: Action, node_id: str, now: int) -> NodeAccess:
    """Load the facts (one BatchGetItem), decide, and raise unless allowed.

    A caller who may not know the node exists gets `NodeNotFound`, exactly like a missing node
    (SPEC §2.4); one who may see it but lacks the level gets `AccessDenied`.
    """
    outcome = authorize_many(principal, action, [node_id], now)[node_id]
    if isinstance(outcome, NodeAccess):
        return outcome
    raise outcome


def authorize_many(
    principal: Principal, action: Action, node_ids: list[str], now: int, facts: access.Facts | None = None
) -> dict[str, NodeAccess | NodeNotFound | AccessDenied]:
    """`authorize` for several nodes with one batched load: per node, the access or the refusal.
    A caller that needs more facts in the same round trip loads them itself and passes `facts`
    (which must hold the nodes and the principal's associations with them)."""
    if facts is None:
        facts = access.load(node_ids, [principal.user_id])
    outcome: dict[str, NodeAccess | NodeNotFound | AccessDenied] = {}
    for node_id in node_ids:
        node, association = facts.of(node_id, principal.user_id)
        decision = decide(principal, action, AccessFacts(node, association), now)
        if node is not None and decision.allowed:
            outcome[node_id] = NodeAccess(node, association, decision)
        elif decision.visible:
            outcome[node_id] = AccessDenied(f"Not allowed to {action} node {node_id}")
        else:
            outcome[node_id] = NodeNotFound(f"Node {node_id} not found")
    return outcome


def authorize_all(
    principal: Principal, action: Action, node_ids: list[str], now: int, facts: access.Facts | None = None
) -> dict[str, NodeAccess]:
    """`authorize_many` for requests that must hold on every node: the first refusal is raised."""
    accesses = authorize_many(principal, action, node_ids, now, facts)
    for outcome in accesses.values():
        if not isinstance(outcome, NodeAccess):
            raise outcome
    return {node_id: outcome for node_id, outcome in accesses.items() if isinstance(outcome, NodeAccess)}
