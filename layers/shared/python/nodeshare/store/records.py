"""Conversions between pynamodb items and the domain's plain records."""

from __future__ import annotations

from typing import Any

from nodeshare.model.entities import Association, Connectivity, Node, Role, User
from nodeshare.model.levels import Level
from nodeshare.store.models import AssociationModel, NodeModel, UserModel


def plain(value: Any) -> Any:
    """A raw MapAttribute as built-in dicts and lists (pynamodb returns its own map type)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def to_node(item: NodeModel) -> Node:
    return Node(
        node_id=item.node_id,
        name=item.name,
        type=item.type,
        config=plain(item.config),
        params=plain(item.params),
        epoch=int(item.epoch),
        primary_user_id=item.primary_user_id,
        secondary_user_ids=frozenset(item.secondary_user_ids or ()),
        secret_hash=item.secret_hash,
        tags=tuple(str(tag) for tag in item.tags or ()),
        scopes=plain(item.scopes) or {},
        connectivity=Connectivity(bool(item.connected), int(item.connectivity_timestamp_ms)),
        created_at=int(item.created_at),
    )


def to_association(item: AssociationModel) -> Association:
    return Association(
        node_id=item.node_id,
        user_id=item.user_id,
        user_name=item.user_name,
        role=Role(item.role),
        level=Level(item.level),
        epoch=int(item.epoch),
        created_at=int(item.created_at),
    )


def to_user(item: UserModel) -> User:
    return User(user_id=item.user_id, user_name=item.user_name, created_at=int(item.created_at))
