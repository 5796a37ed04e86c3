"""User groups: the group item and, in the same transactions, each member's user item.

A member is keyed by e-mail in the group's `members` map (`{user_id, manager}`); an e-mail
without an account is kept with no user_id (it is listed like any other and never counts, so
that adding it answers exactly like adding a known user). Every change is conditioned on the
group's `version` as read, so two racing edits end in exactly one outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import GroupMember, UserGroup
from nodeshare.model.errors import Conflict, GroupLimitReached
from nodeshare.store.access import group_item
from nodeshare.store.conditions import REFUSAL_REASONS, applied, is_refused, refused_as
from nodeshare.store.models import USER_GROUP, GroupModel, UserModel
from nodeshare.store.records import to_user_group


def _connection() -> Connection:
    return GroupModel._get_connection().connection


def create(group: UserGroup) -> None:
    item = GroupModel(
        group.group_id,
        kind=USER_GROUP,
        owner_user_id=group.owner_user_id,
        name=group.name,
        description=group.description or None,
        created_at=group.created_at,
        version=0,
    )
    with refused_as(Conflict("Group id collision; retry")):
        item.save(condition=GroupModel.group_id.does_not_exist())


def get(group_id: str) -> UserGroup | None:
    """The user group, strongly consistent; None for a missing group or a node group."""
    item = group_item(group_id, USER_GROUP)
    return to_user_group(item) if item is not None else None


def owned_by(user_id: str) -> list[UserGroup]:
    """Every user group the user owns (GSI `by_owner`, every page)."""
    return [
        to_user_group(item)
        for item in GroupModel.by_owner.query(user_id, filter_condition=GroupModel.kind == USER_GROUP)
    ]


def update_details(group: UserGroup, name: str | None, description: str | None) -> None:
    actions = []
    if name is not None:
        actions.append(GroupModel.name.set(name))
    if description is not None:
        actions.append(
            GroupModel.description.set(description) if description else GroupModel.description.remove()
        )
    if not actions:
        return
    with refused_as(Conflict("The group changed meanwhile; retry")):
        GroupModel(group.group_id).update(
            actions=[*actions, GroupModel.version.add(1)], condition=GroupModel.version == group.version
        )


@dataclass(frozen=True)
class MembershipChange:
    """The members a change leaves the group with, and the user items it must touch."""

    members: dict[str, GroupMember]  # by e-mail, the whole new map
    joined: Sequence[str]  # user ids that join (their user item gains the group)
    left: Sequence[str]  # user ids that leave


def _stored_members(members: dict[str, GroupMember]) -> dict[str, dict[str, Any]]:
    """The members map as the group item holds it (by e-mail)."""
    return {
        name: {"user_id": member.user_id or None, "manager": member.manager}
        for name, member in members.items()
    }


def _as_read(group: UserGroup) -> Any:
    """The user group is still the one read (its version)."""
    return (GroupModel.version == group.version) & (GroupModel.kind == USER_GROUP)


def change_members(group: UserGroup, change: MembershipChange, max_groups_per_user: int) -> None:
    """One transaction: the group's new members map (if its version is still the one read) and each
    joining or leaving user's `group_ids`. A user already in `max_groups_per_user` groups refuses
    the whole change (GroupLimitReached)."""
    members = _stored_members(change.members)
    room = UserModel.group_ids.does_not_exist() | (size(UserModel.group_ids) < max_groups_per_user)
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(
                GroupModel(group.group_id),
                actions=[
                    GroupModel.members.set(members) if members else GroupModel.members.remove(),
                    GroupModel.version.add(1),
                ],
                condition=_as_read(group),
            )
            for user_id in change.joined:
                transaction.update(
                    UserModel(user_id),
                    actions=[UserModel.group_ids.add({group.group_id})],
                    condition=UserModel.user_id.exists() & room,
                )
            for user_id in change.left:
                transaction.update(UserModel(user_id), actions=[UserModel.group_ids.delete({group.group_id})])
    except TransactWriteError as exc:
        if not is_refused(exc):
            raise
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code in REFUSAL_REASONS:
            raise Conflict("The group changed meanwhile; retry") from exc
        raise GroupLimitReached(
            f"A user may be in at most {max_groups_per_user} groups; someone you added is in as many"
        ) from exc


def delete(group: UserGroup) -> None:
    """Delete the group item: from now on nothing counts through it. The stream processor then
    takes the group off its members' user items (`forget_deleted`)."""
    with refused_as(Conflict("The group changed meanwhile; retry")):
        GroupModel(group.group_id).delete(condition=GroupModel.kind == USER_GROUP)


def forget_deleted(group_id: str, member_user_ids: Sequence[str]) -> int:
    """The cascade of a deleted user group: take it off each member's user item (idempotent)."""
    forgotten = 0
    for user_id in member_user_ids:
        if applied(
            UserModel(user_id).update,
            actions=[UserModel.group_ids.delete({group_id})],
            condition=UserModel.group_ids.contains(group_id),
        ):
            forgotten += 1
    return forgotten


def replace_members(group: UserGroup, members: dict[str, GroupMember]) -> bool:
    """The group's members map replaced by `members` (by e-mail), touching no user item: for a
    change that neither adds nor removes an account (a member's new address). Conditioned on the
    group's version as read; False when it changed meanwhile or is gone."""
    return applied(
        GroupModel(group.group_id).update,
        actions=[GroupModel.members.set(_stored_members(members)), GroupModel.version.add(1)],
        condition=_as_read(group),
    )
