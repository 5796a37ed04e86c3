"""The users table: user_id (the Cognito `sub`) to e-mail and back."""

from __future__ import annotations

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
