"""Use cases on nodes: registration (operators), listing, config / params / status, release."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nodeshare.domain import params as params_rules
from nodeshare.domain.authorization import (
    AccessFacts,
    Action,
    Decision,
    NodeAccess,
    authorize,
    authorize_many,
    decide,
)
from nodeshare.domain.scopes import default_scopes
from nodeshare.domain.secrets import hash_secret
from nodeshare.model.entities import Association, Node, Principal, Role
from nodeshare.model.errors import DomainError, NodeNotFound, OperatorOnly
from nodeshare.model.levels import Level
from nodeshare.store import associations as association_store
from nodeshare.store import nodes as node_store
from nodeshare.store import sharing as sharing_store


def require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise OperatorOnly("Only operators may do this")


def register_node(principal: Principal, spec: dict[str, Any], project: str | None, now: int) -> Node:
    """An operator registers a node; `project` (EVRYTHNG `?project=`) is added to its scopes."""
    require_operator(principal)
    config = spec["config"]
    scopes = spec.get("scopes") or default_scopes()
    if project and project not in scopes.setdefault("projects", []):
        scopes["projects"].append(project)
    node = Node(
        node_id=spec["node_id"],
        name=spec["name"],
        type=spec["type"],
        config=config,
        params=params_rules.initial_params(config, spec.get("params") or {}),
        epoch=0,
        secret_hash=hash_secret(spec["secret"]),
        tags=tuple(spec.get("tags") or ()),
        scopes=scopes,
        created_at=now,
    )
    node_store.create(node)
    return node


def list_all_nodes(principal: Principal, start_id: str | None, limit: int) -> tuple[list[Node], str | None]:
    require_operator(principal)
    return node_store.list_page(start_id, limit)


def get_node_for_operator(principal: Principal, node_id: str) -> Node:
    require_operator(principal)
    node = node_store.get(node_id)
    if node is None:
        raise NodeNotFound(f"Node {node_id} not found")
    return node


@dataclass(frozen=True)
class UserNode:
    """A node as one user sees it: the node, the user's role and level, and since when."""

    node: Node
    role: Role | None
    level: Level | None
    mapped_at: int


@dataclass(frozen=True)
class UserNodesPage:
    nodes: list[UserNode]
    next_id: str | None
    total: int


def list_user_nodes(principal: Principal, start_id: str | None, limit: int, now: int) -> UserNodesPage:
    """The caller's nodes, one page, and how many associations the caller has in all."""
    mine, next_id = user_nodes(principal, start_id, limit, now)
    return UserNodesPage(mine, next_id, association_store.count_for_user(principal.user_id))


def user_nodes(
    principal: Principal, start_id: str | None, limit: int, now: int
) -> tuple[list[UserNode], str | None]:
    """The caller's nodes, one page: associations from the user index, then the nodes themselves
    in one batch, each kept only if the one decision point lets the caller read it through that
    association (a stale epoch or a `dr` level drops it, SPEC §2.1); and the next page's id."""
    page, next_id = association_store.list_for_user(principal.user_id, start_id, limit)
    nodes = node_store.get_many([association.node_id for association in page])
    mine = []
    for association in page:
        node = nodes.get(association.node_id)
        decision = decide(principal, Action.READ, AccessFacts(node, association), now)
        if node is None or not decision.allowed or decision.role is None:  # role None: an operator's view
            continue
        mine.append(_user_node(node, decision, association))
    return mine, next_id


def _user_node(node: Node, decision: Decision, association: Association | None) -> UserNode:
    """The node as the decision lets the caller see it (role None: an operator's view)."""
    return UserNode(node, decision.role, decision.level, association.created_at if association else 0)


def get_user_node(principal: Principal, node_id: str, now: int) -> UserNode:
    """One node of the caller's, as in the list (`GET /v1/user/nodes?node_id=`)."""
    access = read_node(principal, node_id, now)
    return _user_node(access.node, access.decision, access.association)


def read_node(principal: Principal, node_id: str, now: int) -> NodeAccess:
    """Config, params and status are all a READ of the node."""
    return authorize(principal, Action.READ, node_id, now)


def set_params(
    principal: Principal, writes: list[tuple[str, params_rules.ParamsPayload]], now: int
) -> dict[str, DomainError | None]:
    """Write params of several nodes; per node, None (written) or the refusal.

    Every node the caller may write, with params its config allows, is written in one
    transaction conditioned on the access that allowed it; the others are refused one by one.
    """
    outcome: dict[str, DomainError | None] = {}
    accesses = authorize_many(principal, Action.WRITE, [node_id for node_id, _ in writes], now)
    allowed: list[tuple[Node, Association | None, str, params_rules.ParamsPayload]] = []
    for node_id, payload in writes:
        access = accesses[node_id]
        if not isinstance(access, NodeAccess):
            outcome[node_id] = access
            continue
        try:
            params_rules.check_write(access.node.config, payload)
        except DomainError as refusal:
            outcome[node_id] = refusal
            continue
        allowed.append((access.node, access.association, principal.user_id, payload))
        outcome[node_id] = None
    if allowed:
        try:
            node_store.write_params(allowed)
        except DomainError as refusal:
            for node, *_ in allowed:
                outcome[node.node_id] = refusal
    return outcome


def remove_mapping(principal: Principal, node_id: str, now: int) -> Role:
    """The caller leaves the node. A primary releases it: a new epoch, every secondary removed
    (SPEC §2.1, RainMaker "removes its own association"); a secondary leaves alone."""
    access = authorize(principal, Action.LEAVE, node_id, now)
    if access.decision.role is Role.PRIMARY:
        node_store.release(access.node, principal.user_id)
        return Role.PRIMARY
    assert access.association is not None
    sharing_store.remove([access.association])
    return Role.SECONDARY
