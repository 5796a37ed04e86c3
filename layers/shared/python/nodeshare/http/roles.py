"""Role bodies as Symphony shows them (seed 002): RoleInfo and PermissionInfo."""

from __future__ import annotations

from typing import Any

from nodeshare.model.entities import RoleDefinition, RolePermission


def permission_info(role: RoleDefinition, permission: RolePermission) -> dict[str, Any]:
    """PermissionInfo as getRolePermissions shows it: both `thingId` and `actionId` present (one
    null), `userId` the role's owner, `additional` with every term as stored (each with its
    `once`, `weekly` and `everyday` keys, unused ones null)."""
    return {
        "permissionId": permission.permission_id,
        "roleId": role.role_id,
        "thingId": permission.thing_id,
        "actionId": permission.action_id,
        "userId": role.owner_user_id,
        "additional": {"term": list(permission.terms), "location": [], "number": []},
        "policy": permission.policy,
    }


def role_info(role: RoleDefinition) -> dict[str, Any]:
    """RoleInfo: `userId` is the role's owner."""
    return {
        "roleId": role.role_id,
        "roleName": role.name,
        "userId": role.owner_user_id,
        "permissionList": [permission_info(role, permission) for permission in role.permissions],
    }
