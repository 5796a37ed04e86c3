"""Use cases on nodes: registration (operators), listing, config / params / status, release."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nodeshare.domain import archive
from nodeshare.domain import params as params_rules
from nodeshare.domain.actions import check_actions
from nodeshare.domain.authorization import (
    Action,
    Decision,
    NodeAccess,
    SourceKind,
    authorize,
    authorize_many,
)
from nodeshare.domain.scopes import creation_scopes, default_node_scopes, update_scopes
from nodeshare.domain.secrets import hash_secret
from nodeshare.model.entities import ArchiveKind, ArchiveRecord, Node, Principal, Role
from nodeshare.model.errors import BadRequest, Conflict, DomainError, InvalidParams
from nodeshare.model.levels import Level
from nodeshare.store import nodes as node_store
from nodeshare.store import products as product_store
from nodeshare.store import sharing as sharing_store
from nodeshare.store.access import reachable_node_ids


def register_node(principal: Principal, spec: dict[str, Any], project: str | None, now: int) -> Node:
    """An operator registers a node (the route is operators' only, `Route.caller`). Its scopes are
    `domain.scopes.creation_scopes`: the given ones through the grammar, or the deployment's
    default; `project` (EVRYTHNG `?project=`) is added to them. Its config and params must be
    storable (`params_rules.check_config`, `check_values`), and the product it names must exist,
    or nothing is written (400)."""
    config = spec["config"]
    params_rules.check_config(config)
    check_actions(config)
    scopes = creation_scopes(spec.get("scopes"), default_node_scopes(), project)
    product_id = spec.get("product")
    if product_id is not None:
        _check_product(product_id)
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
        product_id=product_id,
    )
    node_store.create(node)
    return node


def _check_product(product_id: str) -> None:
    """A node may name only a product that exists (400 otherwise). A product deleted later stays
    named by its nodes, as a deleted project stays in scopes: the name then leads nowhere (404)."""
    if product_store.get(product_id) is None:
        raise BadRequest(f"Unknown product {product_id!r}")


# An operator's update is applied to the node as read and written conditioned on it; a racing
# change (another operator's scopes, a user's sharing) makes it read again and re-apply.
OPERATOR_UPDATE_ATTEMPTS = 5


def update_node(principal: Principal, node_id: str, spec: dict[str, Any], now: int) -> Node:
    """An operator changes a node (`PUT /v1/admin/nodes/{node_id}`; the route is operators' only).

    `name`, `type`, `tags` and `secret` replace what is there (the secret stored as a salted
    hash). `config` is checked as registration checks it; the node's params are then its new
    config's devices with the current values the new config still accepts, and any given
    `params` over them. `params` alone are set over the current ones, checked against the config
    as registration checks initial params (read-only params included: the operator is the
    device's maker). `scopes` follow the grammar of `domain.scopes.update_scopes`. `product`
    names the node's product (one that exists), null names none. Everything is
    checked before anything is written (400, nothing written), and the change is one conditional
    write (`store.nodes.update_by_operator`), re-applied to a fresh read when a racing change
    refused it, so two operators' `+a` and `-b` both take effect. Scopes only decide who may see
    or claim an unclaimed node: the primary and secondaries are untouched.
    """
    for _ in range(OPERATOR_UPDATE_ATTEMPTS):
        node = get_node_for_operator(principal, node_id, now)
        fields, param_values = operator_changes(node, spec)
        try:
            return node_store.update_by_operator(node, fields, param_values)
        except Conflict:
            continue
    raise Conflict(f"Node {node_id} kept changing meanwhile; retry")


def operator_changes(node: Node, spec: dict[str, Any]) -> tuple[dict[str, Any], params_rules.ParamsPayload]:
    """The attributes an operator's update sets on `node` (whole), and the params it sets in place."""
    fields: dict[str, Any] = {name: spec[name] for name in ("name", "type") if name in spec}
    if "tags" in spec:
        fields["tags"] = list(dict.fromkeys(spec["tags"]))
    if "secret" in spec:
        fields["secret_hash"] = hash_secret(spec["secret"])
    if "scopes" in spec:
        fields["scopes"] = update_scopes(node.scopes, spec["scopes"])
    if "product" in spec:
        if spec["product"] is not None:
            _check_product(spec["product"])
        fields["product_id"] = spec["product"]
    given = spec.get("params") or {}
    if "config" in spec:
        config = spec["config"]
        params_rules.check_config(config)
        check_actions(config)
        kept = _still_valid(config, node.params)
        for device, values in given.items():
            kept.setdefault(device, {}).update(values)
        fields["config"] = config
        fields["params"] = params_rules.initial_params(config, kept)
        return fields, {}
    if given:
        params_rules.check_values(node.config, given, require_writable=False)
    return fields, given


def _still_valid(config: dict[str, Any], params: params_rules.ParamsPayload) -> params_rules.ParamsPayload:
    """The values of `params` that `config` defines and accepts, one by one."""
    kept: params_rules.ParamsPayload = {}
    for device, values in params.items():
        for param, value in (values or {}).items():
            try:
                params_rules.check_values(config, {device: {param: value}}, require_writable=False)
            except InvalidParams:
                continue
            kept.setdefault(device, {})[param] = value
    return kept


def list_all_nodes(principal: Principal, start_id: str | None, limit: int) -> tuple[list[Node], str | None]:
    """Every node, for operators (the route is operators' only, `Route.caller`)."""
    return node_store.list_page(start_id, limit)


def get_node_for_operator(principal: Principal, node_id: str, now: int) -> Node:
    """One node as operators see it: a READ, which the decision allows operators on every node."""
    return authorize(principal, Action.READ, node_id, now).node


@dataclass(frozen=True)
class UserNode:
    """A node as one user sees it: the node, the decision that lets the user read it, and since when."""

    node: Node
    decision: Decision
    mapped_at: int
    sub_role: int | None = None  # from the caller's share, while it counts (see `domain.sharing`)

    @property
    def role(self) -> Role | None:
        return self.decision.role

    @property
    def level(self) -> Level | None:
        return self.decision.level


@dataclass(frozen=True)
class UserNodesPage:
    nodes: list[UserNode]
    next_id: str | None
    total: int  # every node the caller reaches now, as the decision counts them


def list_user_nodes(principal: Principal, start_id: str | None, limit: int, now: int) -> UserNodesPage:
    """The caller's nodes, one page in node_id order after `start_id`.

    Every node the caller has an association with or was granted (directly or through its user
    groups) is asked of the one decision point (100 per batch), so `total` and the page hold
    exactly the nodes the caller may read now: a node released, re-claimed or transferred is gone
    at once, before the stream deletes its rows (SPEC §2.1), and a `dr` anywhere hides it.
    Operators' nodes are theirs only (not all nodes).
    """
    node_ids = reachable_node_ids(principal.user_id)
    checked = authorize_many(principal, Action.READ, node_ids, now)
    readable = sorted(
        node_id
        for node_id, node_access in checked.granted().items()
        if node_access.decision.role is not None  # None: only an operator's view of every node
    )
    after = [node_id for node_id in readable if start_id is None or node_id > start_id]
    page = after[:limit]
    granted = checked.granted()
    mine = [user_node(granted[node_id]) for node_id in page]
    return UserNodesPage(mine, page[-1] if len(after) > limit else None, len(readable))


def user_node(node_access: NodeAccess) -> UserNode:
    association = node_access.association
    shared = any(
        source.kind is SourceKind.ASSOCIATION and source.counts for source in node_access.decision.sources
    )
    return UserNode(
        node_access.node,
        node_access.decision,
        association.created_at if association else 0,
        association.sub_role if association is not None and shared else None,
    )


def get_user_node(principal: Principal, node_id: str, now: int) -> UserNode:
    """One node of the caller's, as in the list (`GET /v1/user/nodes?node_id=`)."""
    return user_node(read_node(principal, node_id, now))


def read_node(principal: Principal, node_id: str, now: int) -> NodeAccess:
    """Config, params and status are all a READ of the node."""
    return authorize(principal, Action.READ, node_id, now)


def set_params(
    principal: Principal, writes: list[tuple[str, params_rules.ParamsPayload]], now: int, now_ms: int
) -> dict[str, DomainError | None]:
    """Write params of several nodes; per node, None (written) or the refusal.

    Every node is checked first (the decision, then its params against its config), so a refusal
    is known before anything is written. Every node the caller may write, with params its config
    allows, is then written conditioned on the access that allowed it, with its archive record
    (`domain.archive`, time `now_ms`) in the same transaction: up to 50 nodes in one, more 50 at
    a time (`store.nodes.write_params`). The others are refused one by one.
    """
    outcome: dict[str, DomainError | None] = {}
    checked = authorize_many(principal, Action.WRITE, [node_id for node_id, _ in writes], now)
    writer = archive.writer_name(principal, checked.facts)
    allowed: list[tuple[Node, params_rules.ParamsPayload, ArchiveRecord]] = []
    for node_id, payload in writes:
        access = checked.outcomes[node_id]
        if not isinstance(access, NodeAccess):
            outcome[node_id] = access
            continue
        try:
            params_rules.check_write(access.node.config, payload, access.node.params)
        except DomainError as refusal:
            outcome[node_id] = refusal
            continue
        record = archive.new_record(access.node, ArchiveKind.WRITE, principal, writer, payload, now_ms)
        allowed.append((access.node, payload, record))
        outcome[node_id] = None
    if allowed:
        outcome.update(node_store.write_params(allowed))
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
