"""The users table: user_id (the Cognito `sub`) to e-mail and back."""

from __future__ import annotations

from nodeshare.model.entities import User
from nodeshare.store.models import UserModel
from nodeshare.store.records import to_user


def put(user: User) -> None:
    UserModel(user.user_id, user_name=user.user_name, created_at=user.created_at).save()


def get(user_id: str) -> User | None:
    try:
        return to_user(UserModel.get(user_id))
    except UserModel.DoesNotExist:
        return None


def find_by_name(user_name: str) -> User | None:
    for item in UserModel.by_user_name.query(user_name, limit=1):
        return to_user(item)
    return None
