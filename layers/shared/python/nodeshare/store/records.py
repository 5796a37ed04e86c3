"""Conversions between pynamodb items and the domain's plain records."""

from __future__ import annotations

from typing import Any

from nodeshare.model.entities import (
    ArchiveKind,
    ArchiveRecord,
    Association,
    Connectivity,
    Grant,
    GroupMember,
    Node,
    NodeGroup,
    NodeGroupMembership,
    OwnerGroup,
    Product,
    Project,
    Role,
    RoleDefinition,
    RolePermission,
    User,
    UserGroup,
)
from nodeshare.model.levels import Level
from nodeshare.store.models import ArchiveModel, AssociationModel, GroupModel, NodeModel, UserModel


def plain(value: Any) -> Any:
    """A raw MapAttribute as built-in dicts and lists (pynamodb returns its own map type)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def to_node(item: NodeModel, config: dict[str, Any]) -> Node:
    """A node from its item and its config (an item of its own: `NodeConfigModel`)."""
    return Node(
        node_id=item.node_id,
        name=item.name,
        type=item.type,
        config=config,
        params=plain(item.params),
        epoch=int(item.epoch),
        primary_user_id=item.primary_user_id,
        secondary_user_ids=frozenset(item.secondary_user_ids or ()),
        rwp_user_ids=frozenset(item.rwp_user_ids or ()),
        secret_hash=item.secret_hash,
        tags=tuple(str(tag) for tag in item.tags or ()),
        scopes=plain(item.scopes) or {},
        connectivity=Connectivity(bool(item.connected), int(item.connectivity_timestamp_ms)),
        created_at=int(item.created_at),
        access_version=int(item.access_version or 0),
        grants=to_grants(item.grants),
        node_groups=tuple(
            NodeGroupMembership(
                group_id, str(entry["owner"]), int(entry["epoch"]), bool(entry.get("exclusive"))
            )
            for group_id, entry in sorted((plain(item.node_groups) or {}).items())
        ),
        metadata=plain(item.metadata) or {},
        product_id=item.product_id,
        secret_version=int(item.secret_version or 0),
        reset_epoch=None if item.reset_epoch is None else int(item.reset_epoch),
        owner_groups=tuple(
            OwnerGroup(group_id, int(entry["epoch"]))
            for group_id, entry in sorted((plain(item.owner_groups) or {}).items())
        ),
    )


def to_grants(raw: Any) -> tuple[Grant, ...]:
    """A target's `grants` map (subject -> {level, epoch?, granted_by, created_at}) as records."""
    return tuple(
        Grant(
            subject=subject,
            level=Level(grant["level"]),
            epoch=int(grant["epoch"]) if grant.get("epoch") is not None else None,
            granted_by=tuple(str(user_id) for user_id in grant.get("granted_by") or ()),
            created_at=int(grant.get("created_at") or 0),
            request_id=grant.get("request_id"),
            sub_role=int(grant["sub_role"]) if grant.get("sub_role") is not None else None,
            metadata=grant.get("metadata") or {},
        )
        for subject, grant in sorted((plain(raw) or {}).items())
    )


def grant_item(grant: Grant) -> dict[str, Any]:
    """One entry of a target's `grants` map."""
    item: dict[str, Any] = {
        "level": grant.level.value,
        "granted_by": list(grant.granted_by),
        "created_at": grant.created_at,
    }
    if grant.epoch is not None:
        item["epoch"] = grant.epoch
    # A group share's (absent otherwise, and an empty map is not stored)
    for name, value in (("request_id", grant.request_id), ("sub_role", grant.sub_role)):
        if value is not None:
            item[name] = value
    if grant.metadata:
        item["metadata"] = grant.metadata
    return item


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
        sub_role=int(item.sub_role) if item.sub_role is not None else None,
    )


def to_user(item: UserModel) -> User:
    return User(
        user_id=item.user_id,
        user_name=item.user_name,
        created_at=int(item.created_at),
        group_ids=frozenset(item.group_ids or ()),
        granted_targets=frozenset(item.granted_targets or ()),
        role_assignments={
            str(assigner): tuple(str(role_id) for role_id in entry.get("role_ids") or ())
            for assigner, entry in (plain(item.role_assignments) or {}).items()
        },
        project_ids=frozenset(item.project_ids or ()),
    )


def to_project(item: GroupModel) -> Project:
    return Project(
        project_id=item.group_id,
        name=item.name,
        description=item.description or "",
        user_ids=frozenset(item.user_ids or ()),
        created_at=int(item.created_at),
        version=int(item.version or 0),
    )


def to_product(item: GroupModel) -> Product:
    scopes = plain(item.scopes) or {}
    return Product(
        product_id=item.group_id,
        name=item.name,
        description=item.description or "",
        properties=plain(item.properties) or {},
        scopes={name: [str(entry) for entry in scopes.get(name) or ()] for name in ("users", "projects")},
        created_at=int(item.created_at),
        updated_at=int(item.updated_at or item.created_at),
        version=int(item.version or 0),
    )


def to_role(item: GroupModel) -> RoleDefinition:
    permissions = plain(item.permissions) or {}
    return RoleDefinition(
        role_id=item.group_id,
        owner_user_id=item.owner_user_id,
        name=item.name,
        permissions=tuple(
            RolePermission(
                permission_id=permission_id,
                thing_id=entry.get("thing_id"),
                action_id=entry.get("action_id"),
                policy=str(entry["policy"]),
                terms=tuple(entry.get("terms") or ()),
                created_at=int(entry.get("created_at") or 0),
            )
            for permission_id, entry in sorted(
                permissions.items(), key=lambda pair: (int(pair[1].get("created_at") or 0), pair[0])
            )
        ),
        created_at=int(item.created_at),
        version=int(item.version or 0),
    )


def to_user_group(item: GroupModel) -> UserGroup:
    members = plain(item.members) or {}
    return UserGroup(
        group_id=item.group_id,
        owner_user_id=item.owner_user_id,
        name=item.name,
        description=item.description or "",
        members=tuple(
            GroupMember(str(member.get("user_id") or ""), user_name, bool(member.get("manager")))
            for user_name, member in sorted(members.items())
        ),
        created_at=int(item.created_at),
        version=int(item.version or 0),
        granted_targets=frozenset(item.granted_targets or ()),
    )


def to_node_group(item: GroupModel) -> NodeGroup:
    return NodeGroup(
        group_id=item.group_id,
        owner_user_id=item.owner_user_id,
        name=item.name,
        description=item.description or "",
        node_ids=frozenset(item.node_ids or ()),
        grants=to_grants(item.grants),
        custom_data=plain(item.custom_data) or {},
        type=item.group_type,
        mutually_exclusive=bool(item.mutually_exclusive),
        parent_group_id=item.parent_group_id,
        tag=item.tag,
        created_at=int(item.created_at),
        version=int(item.version or 0),
    )


TIMESTAMP_DIGITS = 13  # milliseconds up to 9,999,999,999,999 (the year 2286)


def time_key(timestamp_ms: int) -> str:
    """The `record_id` prefix of a time: every record of that millisecond sorts after it, every
    record of an earlier one before it."""
    return f"{timestamp_ms:0{TIMESTAMP_DIGITS}d}"


def archive_item(record: ArchiveRecord) -> ArchiveModel:
    return ArchiveModel(
        record.node_id,
        record.record_id,
        timestamp_ms=record.timestamp_ms,
        epoch=record.epoch,
        kind=record.kind.value,
        user_id=record.user_id,
        user_name=record.user_name,
        params=record.params,
        expires_at=record.expires_at,
    )


def to_archive_record(item: ArchiveModel) -> ArchiveRecord:
    return ArchiveRecord(
        node_id=item.node_id,
        record_id=item.record_id,
        timestamp_ms=int(item.timestamp_ms),
        epoch=int(item.epoch),
        kind=ArchiveKind(item.kind),
        user_id=item.user_id,
        user_name=item.user_name,
        params=plain(item.params),
        expires_at=int(item.expires_at),
    )
