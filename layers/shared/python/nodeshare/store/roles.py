"""Symphony roles in the `groups` table (`kind` = "role"), and their assignment to share users on
the users' rows (`role_assignments`, by assigner). Every change of a role is conditioned on its
`version`, so two edits never silently overwrite each other.
"""

from __future__ import annotations

from typing import Any

from nodeshare.model.entities import RoleDefinition, RolePermission
from nodeshare.model.errors import Conflict
from nodeshare.store.access import group_item
from nodeshare.store.conditions import applied, refused_as
from nodeshare.store.models import ROLE, GroupModel, UserModel
from nodeshare.store.records import to_role

CHANGED = Conflict("The role changed meanwhile; retry")


def create(role: RoleDefinition) -> None:
    GroupModel(
        role.role_id,
        kind=ROLE,
        owner_user_id=role.owner_user_id,
        name=role.name,
        created_at=role.created_at,
        version=0,
    ).save(condition=GroupModel.group_id.does_not_exist())


def get(role_id: str) -> RoleDefinition | None:
    """The role, strongly consistent; None for a missing id or any other kind of item."""
    item = group_item(role_id, ROLE)
    return to_role(item) if item is not None else None


def owned_by(user_id: str) -> list[RoleDefinition]:
    """Every role the user owns (GSI `by_owner`, every page), in role id order."""
    return [
        to_role(item) for item in GroupModel.by_owner.query(user_id, filter_condition=GroupModel.kind == ROLE)
    ]


def rename(role: RoleDefinition, name: str) -> None:
    with refused_as(CHANGED):
        GroupModel(role.role_id).update(
            actions=[GroupModel.name.set(name), GroupModel.version.add(1)],
            condition=GroupModel.version == role.version,
        )


def delete(role: RoleDefinition) -> None:
    """Delete the role: from the next request on, nothing it held counts (the decision reads it)."""
    with refused_as(CHANGED):
        GroupModel(role.role_id).delete(condition=GroupModel.version == role.version)


def _entry(permission: RolePermission) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "policy": permission.policy,
        "terms": list(permission.terms),
        "created_at": permission.created_at,
    }
    if permission.thing_id is not None:
        entry["thing_id"] = permission.thing_id
    if permission.action_id is not None:
        entry["action_id"] = permission.action_id
    return entry


def add_permission(role: RoleDefinition, permission: RolePermission) -> None:
    """Add one permission, if the role is still as read (the whole map when it has none yet)."""
    entry = _entry(permission)
    if role.permissions:
        write = GroupModel.permissions[permission.permission_id].set(entry)
    else:
        write = GroupModel.permissions.set({permission.permission_id: entry})
    with refused_as(CHANGED):
        GroupModel(role.role_id).update(
            actions=[write, GroupModel.version.add(1)], condition=GroupModel.version == role.version
        )


def remove_permissions(role: RoleDefinition, permission_ids: list[str]) -> None:
    """Remove these permissions (every one: the whole map), if the role is still as read."""
    if {permission.permission_id for permission in role.permissions} <= set(permission_ids):
        actions = [GroupModel.permissions.remove()]
    else:
        actions = [GroupModel.permissions[permission_id].remove() for permission_id in permission_ids]
    with refused_as(CHANGED):
        GroupModel(role.role_id).update(
            actions=[*actions, GroupModel.version.add(1)], condition=GroupModel.version == role.version
        )


def assign(user_id: str, assigner_user_id: str, role_ids: list[str], now: int) -> None:
    """Replace the roles `assigner_user_id` has assigned to `user_id` (an empty list removes the
    assignment): the entry by key when the user's map exists, else the map."""
    item = UserModel(user_id)
    has_map = UserModel.user_id.exists() & UserModel.role_assignments.exists()
    if not role_ids:
        applied(
            item.update, actions=[UserModel.role_assignments[assigner_user_id].remove()], condition=has_map
        )
        return
    entry = {"role_ids": role_ids, "at": now}
    if applied(
        item.update, actions=[UserModel.role_assignments[assigner_user_id].set(entry)], condition=has_map
    ):
        return
    with refused_as(Conflict("The user changed meanwhile; retry")):
        item.update(
            actions=[UserModel.role_assignments.set({assigner_user_id: entry})],
            condition=UserModel.user_id.exists() & UserModel.role_assignments.does_not_exist(),
        )
