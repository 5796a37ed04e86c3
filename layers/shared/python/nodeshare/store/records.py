"""Conversions between pynamodb items and the domain's plain records."""

from __future__ import annotations

from typing import Any

from nodeshare.model.entities import Association, Connectivity, Grant, Node, Role, User
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
        access_version=int(item.access_version or 0),
        grants=tuple(
            Grant(
                subject=subject,
                level=Level(grant["level"]),
                epoch=int(grant["epoch"]),
                granted_by=tuple(grant.get("granted_by") or ()),
                created_at=int(grant.get("created_at") or 0),
            )
            for subject, grant in sorted((plain(item.grants) or {}).items())
        ),
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
        granted_by=tuple(str(user_id) for user_id in item.granted_by or ()),
    )


def to_user(item: UserModel) -> User:
    return User(user_id=item.user_id, user_name=item.user_name, created_at=int(item.created_at))
