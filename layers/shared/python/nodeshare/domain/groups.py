"""User groups (BuildingDepot user groups): named sets of users, owned by their creator, that
grants can name as their subject.

- Members are named by e-mail. An e-mail without an account is kept and listed like any other
  but never counts (SPEC §2.4: the answer never tells a known e-mail from an unknown one); it
  does not turn into a member if that e-mail signs up later — add it again then.
- `PUT …/users {"users": [...]}` replaces the members (BuildingDepot), `{"operation": "add" |
  "remove", "users": [...]}` changes them; the owner may also name `managers` (replacing the
  set of managers; each is made a member), who may then change members but not managers.
- A change is one transaction over the group item and every joining or leaving user's item
  (`group_ids`, which the decision reads): removing a member or deleting the group takes effect
  on the very next request. Hence at most `MAX_MEMBER_CHANGES` accounts join or leave per request.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace

from nodeshare.domain.authorization import MAX_GROUPS_PER_USER, GroupAction, authorize_group
from nodeshare.domain.users import normalize_email
from nodeshare.model.entities import GroupMember, Principal, UserGroup
from nodeshare.model.errors import BadRequest
from nodeshare.store import groups as group_store
from nodeshare.store import users as user_store
from nodeshare.store.access import batch_get_groups

MAX_MEMBERS = 1000
MAX_MEMBER_CHANGES = 98  # user items written in the one transaction, beside the group item


def new_group_id() -> str:
    return "ug-" + secrets.token_hex(10)


def create_group(principal: Principal, name: str, description: str, now: int) -> UserGroup:
    group = UserGroup(new_group_id(), principal.user_id, name, description, (), now)
    group_store.create(group)
    return group


def list_groups(principal: Principal, start_id: str | None, limit: int) -> tuple[list[UserGroup], str | None]:
    """The groups the caller owns or belongs to, in group_id order, one page after `start_id`."""
    owned = {group.group_id: group for group in group_store.owned_by(principal.user_id)}
    user = user_store.get(principal.user_id)
    member_of = batch_get_groups(sorted((user.group_ids if user else frozenset()) - set(owned)))
    groups = {
        **owned,
        **{
            group_id: group
            for group_id, group in member_of.items()
            if isinstance(group, UserGroup) and any(m.user_id == principal.user_id for m in group.members)
        },
    }
    after = [group_id for group_id in sorted(groups) if start_id is None or group_id > start_id]
    page = after[:limit]
    return [groups[group_id] for group_id in page], (page[-1] if len(after) > limit else None)


def get_group(principal: Principal, group_id: str) -> UserGroup:
    return authorize_group(principal, GroupAction.VIEW, group_id)


def update_group(principal: Principal, group_id: str, name: str | None, description: str | None) -> UserGroup:
    group = authorize_group(principal, GroupAction.OWN, group_id)
    group_store.update_details(group, name, description)
    return replace(
        group,
        name=name if name is not None else group.name,
        description=description if description is not None else group.description,
    )


def delete_group(principal: Principal, group_id: str) -> None:
    group_store.delete(authorize_group(principal, GroupAction.OWN, group_id))


def change_members(
    principal: Principal,
    group_id: str,
    users: Sequence[str],
    operation: str | None,
    managers: Sequence[str] | None,
) -> UserGroup:
    """Replace (`operation` None), add or remove members; `managers` (owner only) replaces who
    manages the group. Returns the group as changed."""
    action = GroupAction.OWN if managers is not None else GroupAction.MANAGE_MEMBERS
    group = authorize_group(principal, action, group_id)
    current = {member.user_name: member for member in group.members}
    named = [normalize_email(user_name) for user_name in users]
    if operation == "remove":
        wanted = {name: member for name, member in current.items() if name not in set(named)}
    elif operation == "add":
        wanted = {**current, **{name: current.get(name) or GroupMember("", name) for name in named}}
    else:
        wanted = {name: current.get(name) or GroupMember("", name) for name in named}
    if managers is not None:
        manager_names = {normalize_email(user_name) for user_name in managers}
        for name in manager_names - set(wanted):
            wanted[name] = GroupMember("", name)
        wanted = {name: replace(member, manager=name in manager_names) for name, member in wanted.items()}
    if len(wanted) > MAX_MEMBERS:
        raise BadRequest(f"A group holds at most {MAX_MEMBERS} members")
    # Accounts for the e-mails that join (one lookup each); unknown ones stay without a user id.
    for name, member in wanted.items():
        if name not in current:
            account = user_store.find_by_name(name)
            wanted[name] = replace(member, user_id=account.user_id if account else "")
    joined = [m.user_id for name, m in wanted.items() if name not in current and m.user_id]
    left = [m.user_id for name, m in current.items() if name not in wanted and m.user_id]
    if len(joined) + len(left) > MAX_MEMBER_CHANGES:
        raise BadRequest(f"At most {MAX_MEMBER_CHANGES} members may join or leave in one request")
    change = group_store.MembershipChange(wanted, joined, left)
    group_store.change_members(group, change, MAX_GROUPS_PER_USER)
    return replace(group, members=tuple(sorted(wanted.values(), key=lambda member: member.user_name)))
