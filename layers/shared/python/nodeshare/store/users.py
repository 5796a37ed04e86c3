"""The users table: user_id (the Cognito `sub`) to e-mail and back."""

from __future__ import annotations

from enum import StrEnum

from nodeshare.model.entities import User
from nodeshare.store.conditions import applied
from nodeshare.store.models import UserModel
from nodeshare.store.records import to_user


def put(user: User) -> None:
    """Write the user's row whole (tests seed rows with it; accounts use `put_if_absent`)."""
    UserModel(user.user_id, user_name=user.user_name, created_at=user.created_at).save()


def put_if_absent(user: User) -> bool:
    """Write the user's row unless it exists (then nothing changes: its groups, grants and
    projects stay); True when it was written. Idempotent, for every path that records a user."""
    item = UserModel(user.user_id, user_name=user.user_name, created_at=user.created_at)
    return applied(item.save, condition=UserModel.user_id.does_not_exist())


class AccountState(StrEnum):
    GONE = "gone"
    ACTIVE = "active"
    DELETING = "deleting"


def account_state(user_id: str) -> AccountState:
    """Whether the user's row exists and whether its deletion has begun: one consistent GetItem
    of two attributes."""
    try:
        item = UserModel.get(user_id, consistent_read=True, attributes_to_get=["user_id", "deleting_at"])
    except UserModel.DoesNotExist:
        return AccountState.GONE
    return AccountState.ACTIVE if item.deleting_at is None else AccountState.DELETING


def mark_deleting(user_id: str, now: int) -> None:
    """Begin the account's deletion (see `UserModel.deleting_at`); idempotent, nothing for a row
    already gone."""
    applied(
        UserModel(user_id).update,
        actions=[UserModel.deleting_at.set(now)],
        condition=UserModel.user_id.exists() & UserModel.deleting_at.does_not_exist(),
    )


def rename(user_id: str, old_name: str, new_name: str) -> bool:
    """Name the user's row by `new_name`, if it still names `old_name`; True when written."""
    return applied(
        UserModel(user_id).update,
        actions=[UserModel.user_name.set(new_name)],
        condition=UserModel.user_name == old_name,
    )


def delete(user_id: str) -> None:
    UserModel(user_id).delete()


def get(user_id: str) -> User | None:
    try:
        return to_user(UserModel.get(user_id))
    except UserModel.DoesNotExist:
        return None


def find_by_name(user_name: str) -> User | None:
    for item in UserModel.by_user_name.query(user_name, limit=1):
        return to_user(item)
    return None
