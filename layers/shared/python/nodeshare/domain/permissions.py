"""Grants (BuildingDepot permissions): a level given to a user or a user group on a node or a
node group.

- Only the primary or a user with `rwp` given to it directly on the node may grant (the one
  decision point's `Action.SHARE`), and never above its own level. A grant records the node's
  epoch and who granted it on whose authority (`granted_by`): a new claim or transfer cuts every
  grant off at once, and so does the grantor losing `rwp` (SPEC §1.1 step 2).
- The subject is named by e-mail (`user_name`) or by user group id (`user_group`, one the
  granter may see). An e-mail without an account gets the same answer as a known one: the grant
  is stored for that e-mail and never matches anyone (SPEC §2.4).
- Grants on a node group are its owner's to make (no `granted_by`); each member node counts them
  while the owner still holds `rwp` or primary on it (`authorization._sources`).
- Levels are `dr`, `r`, `rw`, `rwp`, or BuildingDepot's spellings `d/r`, `r/w`, `r/w/p`.
- `GET` lists a node's grants to those who may manage it (`rwp` or primary); `DELETE` removes
  one and answers the same whether there was one or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodeshare.domain.authorization import (
    Action,
    GroupAction,
    NodeAccess,
    authorize,
    authorize_group,
    authorize_many,
    authorize_node_group,
    counts,
)
from nodeshare.domain.users import normalize_email
from nodeshare.model.entities import GROUP_SUBJECT, USER_SUBJECT, Grant, Node, Principal
from nodeshare.model.errors import AccessDenied, BadRequest, GroupLimitReached
from nodeshare.model.levels import Level
from nodeshare.store import access
from nodeshare.store import grants as grant_store
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import users as user_store

EMAIL_SUBJECT = "email:"  # an e-mail without an account: stored, never matches a principal
MAX_GRANTS_PER_NODE = 100
LEVEL_SPELLINGS = {"d/r": Level.DENY_READ, "r/w": Level.READ_WRITE, "r/w/p": Level.READ_WRITE_PERMISSION}


def parse_level(permission: str) -> Level:
    return LEVEL_SPELLINGS.get(permission) or Level(permission)


@dataclass(frozen=True)
class Subject:
    """Who a grant names, as the client named it: exactly one of the two."""

    user_name: str | None = None
    user_group: str | None = None


def _subject_key(principal: Principal, subject: Subject) -> str:
    if subject.user_group is not None:
        return GROUP_SUBJECT + authorize_group(principal, GroupAction.VIEW, subject.user_group).group_id
    user_name = normalize_email(subject.user_name or "")
    user = user_store.find_by_name(user_name)
    return USER_SUBJECT + user.user_id if user else EMAIL_SUBJECT + user_name


@dataclass(frozen=True)
class Target:
    """What a grant is on, as the client named it: exactly one of the two."""

    node_id: str | None = None
    node_group: str | None = None


def _manage(principal: Principal, node_id: str, now: int) -> NodeAccess:
    return authorize(principal, Action.SHARE, node_id, now)


def _not_yourself(principal: Principal, key: str) -> None:
    """Checked after the target's authorization, so a stranger learns nothing from it."""
    if key == USER_SUBJECT + principal.user_id:
        raise BadRequest("Cannot grant yourself a permission")


def set_permission(principal: Principal, subject: Subject, target: Target, permission: str, now: int) -> None:
    level = parse_level(permission)
    key = _subject_key(principal, subject)
    if target.node_group is not None:
        # Grants on a node group are its owner's; each member node checks the owner's authority.
        group = authorize_node_group(principal, GroupAction.OWN, target.node_group)
        _not_yourself(principal, key)
        if len(group.grants) >= MAX_GRANTS_PER_NODE and all(grant.subject != key for grant in group.grants):
            raise GroupLimitReached(f"A node group holds at most {MAX_GRANTS_PER_NODE} grants")
        node_group_store.set_grant(group, Grant(key, level, None, (), now))
        return
    node_access = _manage(principal, target.node_id or "", now)
    _not_yourself(principal, key)
    own = node_access.decision.level  # None: the primary, never restricted
    if own is not None and level.rank > own.rank:
        raise AccessDenied(f"Cannot grant {level}, above your own level {own}")
    node = node_access.node
    check_room(node, key)
    grant = Grant(key, level, node.epoch, node_access.decision.onward, now)
    grant_store.set_on_node(node, grant)


def check_room(node: Node, subject: str) -> None:
    """A new subject's grant needs room on the node; replacing the subject's own always fits."""
    if len(node.grants) >= MAX_GRANTS_PER_NODE and all(grant.subject != subject for grant in node.grants):
        raise GroupLimitReached(f"A node holds at most {MAX_GRANTS_PER_NODE} grants")


def remove_permission(principal: Principal, subject: Subject, target: Target, now: int) -> None:
    key = _subject_key(principal, subject)
    if target.node_group is not None:
        group = authorize_node_group(principal, GroupAction.OWN, target.node_group)
        if any(grant.subject == key for grant in group.grants):
            node_group_store.remove_grant(group, key)
        return
    node = _manage(principal, target.node_id or "", now).node
    if any(grant.subject == key for grant in node.grants):
        grant_store.remove_from_node(node, key)


@dataclass(frozen=True)
class ListedGrant:
    subject: Subject
    level: Level
    current: bool  # counts now (its epoch and grantors); a stale one is tidied by the stream
    created_at: int


def list_permissions(principal: Principal, target: Target, now: int) -> list[ListedGrant]:
    """The target's grants, each with whether it counts now, for those who may manage it (a node
    group's grants count per member node: listed as current while the group exists)."""
    if target.node_group is not None:
        group = authorize_node_group(principal, GroupAction.OWN, target.node_group)
        grants, is_current = group.grants, lambda grant: True
    else:
        node_id = target.node_id or ""
        checked = authorize_many(principal, Action.SHARE, [node_id], now)
        node_access = checked.raise_first_refusal()[node_id]
        node, owners = node_access.node, node_access.decision.owners
        grants = node.grants

        def is_current(grant: Grant) -> bool:
            return counts(grant.epoch, grant.granted_by, node, owners) is None

    user_ids = [
        grant.subject.removeprefix(USER_SUBJECT) for grant in grants if grant.subject.startswith(USER_SUBJECT)
    ]
    users = access.load([], [], user_rows=user_ids).users if user_ids else {}
    listed = []
    for grant in grants:
        if grant.subject.startswith(USER_SUBJECT):
            user = users.get(grant.subject.removeprefix(USER_SUBJECT))
            subject = Subject(user_name=user.user_name if user else "")
        elif grant.subject.startswith(GROUP_SUBJECT):
            subject = Subject(user_group=grant.subject.removeprefix(GROUP_SUBJECT))
        else:
            subject = Subject(user_name=grant.subject.removeprefix(EMAIL_SUBJECT))
        listed.append(ListedGrant(subject, grant.level, is_current(grant), grant.created_at))
    return listed
