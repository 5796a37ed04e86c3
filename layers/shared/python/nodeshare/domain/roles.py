"""Symphony roles (seed 002, SPEC §1 "Role"): a primary makes roles, puts permissions in them and
assigns them to its share users, which narrows what those users may do on its nodes while a
permission's term holds (`authorization.decide`, step 4).

- Roles are their owner's alone: anyone else's role id is refused exactly like a missing one
  (`authorize_role`, 404). Ids look like Symphony's: "rl-" and "pm-" and 32 hex digits.
- A permission is on every action of one node (`thingId`) or on one action (`actionId`,
  "<node id>/<action id>" as `GET /v1/user/nodes/actions` lists it), never both, with a policy
  (`authorization.POLICIES`) and `additional.term` (`domain.terms`; an empty or absent list
  means always; one entry sent alone, as the seed's Java example does, is a list of one).
  Only the node's primary may name it (a node the caller may not see is a 404, as anywhere; one it
  sees but is not the primary of, 403), since a role counts only on its owner's nodes. Non-empty
  `additional.location` / `additional.number` are refused (400): nodeshare cannot enforce them.
- Assigning (`setShareUserRoles`) replaces the roles the caller has assigned to one user; `[]`
  removes the assignment. The roles must be the caller's, and the user must have current access
  to one of the caller's nodes; an unknown e-mail gets exactly the answer such a user gets (404).
  An assignment narrows the user on every node whose primary is the one who assigned it, from
  the next request on; a new primary (claim or transfer by someone else) ends it at once, as the
  roles are the old primary's. Deleting a role or a permission allows less at once (a user whose
  assigned roles are all deleted is narrowed to nothing, not set free); clearing the assignment
  is what lifts the narrowing.
- Limits: `MAX_ROLES` per owner, `MAX_PERMISSIONS` per role, `MAX_ASSIGNED_ROLES` per assignment
  (the decision reads the assigned roles in its second round trip).
"""

from __future__ import annotations

import secrets
from typing import Any

from nodeshare.domain.actions import ACTION_PATH_SEPARATOR, declared_actions
from nodeshare.domain.authorization import (
    Action,
    authorize,
    authorize_many,
    authorize_role,
    authorize_roles,
)
from nodeshare.domain.terms import parse_terms, term_json
from nodeshare.domain.users import normalize_email
from nodeshare.model.entities import Principal, RoleDefinition, RolePermission
from nodeshare.model.errors import BadRequest, GroupLimitReached, RoleNotFound, ShareUserNotFound
from nodeshare.store import access
from nodeshare.store import roles as role_store
from nodeshare.store import users as user_store

MAX_ROLES = 100
MAX_PERMISSIONS = 50
MAX_ASSIGNED_ROLES = 10


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(16).upper()


def list_roles(principal: Principal) -> list[RoleDefinition]:
    return role_store.owned_by(principal.user_id)


def create_role(principal: Principal, name: str, now: int) -> RoleDefinition:
    if len(role_store.owned_by(principal.user_id)) >= MAX_ROLES:
        raise GroupLimitReached(f"A user owns at most {MAX_ROLES} roles")
    role = RoleDefinition(_new_id("rl-"), principal.user_id, name, created_at=now)
    role_store.create(role)
    return role


def rename_role(principal: Principal, role_id: str, name: str) -> RoleDefinition:
    role = authorize_role(principal, role_id)
    role_store.rename(role, name)
    return role_store.get(role_id) or role


def delete_role(principal: Principal, role_id: str) -> None:
    role_store.delete(authorize_role(principal, role_id))


def delete_all_roles(principal: Principal) -> int:
    """Symphony's deleteRoles: every role of the caller's; how many."""
    roles = role_store.owned_by(principal.user_id)
    for role in roles:
        role_store.delete(role)
    return len(roles)


def add_permission(principal: Principal, role_id: str, body: dict[str, Any], now: int) -> RolePermission:
    """One permission added to the caller's role (see the module's docstring for the rules)."""
    role = authorize_role(principal, role_id)
    if len(role.permissions) >= MAX_PERMISSIONS:
        raise GroupLimitReached(f"A role holds at most {MAX_PERMISSIONS} permissions")
    thing_id: str | None = body.get("thingId")
    action_id: str | None = body.get("actionId")
    if (thing_id is None) == (action_id is None):
        raise BadRequest("A permission names exactly one of thingId (a node) and actionId (one action)")
    additional = body.get("additional") or {}
    for unenforced in ("location", "number"):
        if additional.get(unenforced):
            raise BadRequest(f"additional.{unenforced} restrictions are not supported: leave the list empty")
    raw_terms = additional.get("term") or []
    terms = parse_terms([raw_terms] if isinstance(raw_terms, dict) else raw_terms)
    if thing_id is not None:
        authorize(principal, Action.TRANSFER, thing_id, now)  # the primary alone
    elif action_id is not None:
        node_id, _, action = action_id.partition(ACTION_PATH_SEPARATOR)
        node = authorize(principal, Action.TRANSFER, node_id, now).node
        if action not in declared_actions(node.config):
            raise RoleNotFound(f"Action {action_id} not found")
    permission = RolePermission(
        permission_id=_new_id("pm-"),
        thing_id=thing_id,
        action_id=action_id,
        policy=body["policy"],
        terms=tuple(term_json(term) for term in terms),
        created_at=now,
    )
    role_store.add_permission(role, permission)
    return permission


def role_permissions(principal: Principal, role_id: str) -> RoleDefinition:
    return authorize_role(principal, role_id)


def delete_permission(principal: Principal, role_id: str, permission_id: str) -> None:
    role = authorize_role(principal, role_id)
    if all(permission.permission_id != permission_id for permission in role.permissions):
        raise RoleNotFound(f"Permission {permission_id} not found")
    role_store.remove_permissions(role, [permission_id])


def delete_all_permissions(principal: Principal, role_id: str) -> None:
    role = authorize_role(principal, role_id)
    if role.permissions:
        role_store.remove_permissions(role, [permission.permission_id for permission in role.permissions])


def assign_roles(principal: Principal, user_name: str, role_ids: list[str], now: int) -> None:
    """Replace the roles the caller has assigned to `user_name` (see the module's docstring)."""
    role_ids = list(dict.fromkeys(role_ids))
    if len(role_ids) > MAX_ASSIGNED_ROLES:
        raise BadRequest(f"At most {MAX_ASSIGNED_ROLES} roles may be assigned to a user")
    authorize_roles(principal, role_ids)
    user = user_store.find_by_name(normalize_email(user_name))
    if not role_ids:
        if user is not None:
            role_store.assign(user.user_id, principal.user_id, [], now)
        return
    if user is None or not _reaches_a_node_of(user.user_id, user.user_name, principal.user_id, now):
        raise ShareUserNotFound(f"{user_name} has no access to your nodes")
    role_store.assign(user.user_id, principal.user_id, role_ids, now)


def _reaches_a_node_of(user_id: str, user_name: str, owner_user_id: str, now: int) -> bool:
    """Whether the user may now read some node whose primary is `owner_user_id` (the decision's
    answer, asked for that user)."""
    node_ids = access.reachable_node_ids(user_id)
    if not node_ids:
        return False
    checked = authorize_many(Principal(user_id, user_name), Action.READ, node_ids, now)
    return any(granted.node.primary_user_id == owner_user_id for granted in checked.granted().values())


def assigned_roles(principal: Principal, user_name: str) -> list[str]:
    """The roles the caller has assigned to `user_name` (none for an unknown e-mail, as for a user
    it assigned none)."""
    user = user_store.find_by_name(normalize_email(user_name))
    return list(user.role_assignments.get(principal.user_id, ())) if user else []
