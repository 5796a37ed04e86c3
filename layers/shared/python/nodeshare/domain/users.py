"""Accounts: sign-up and confirmation, sign-in, tokens, and who the caller is.

`user_id` is the Cognito `sub`: stable, present in every token (ID and access), and also written
to `custom:user_id` at sign-up so ID tokens carry it under the name the spec gives it.
"""

from __future__ import annotations

from nodeshare.model.entities import Principal, Tokens, User
from nodeshare.settings import settings
from nodeshare.store import identity
from nodeshare.store import users as user_store
from nodeshare.user_pool import OPERATOR_GROUP


def normalize_email(user_name: str) -> str:
    """E-mail addresses are compared without case: `Bob@X.test` signs in, is shared with and is
    listed as `bob@x.test`. Decision: the one place user names are normalized."""
    return user_name.strip().lower()


def sign_up(user_name: str, password: str, now: int) -> User:
    user_name = normalize_email(user_name)
    user_id = identity.sign_up(user_name, password)
    identity.set_user_id(user_name, user_id)
    if settings().auto_confirm_sign_up:  # local stack only: there is no mailbox
        identity.admin_confirm(user_name)
    user = User(user_id=user_id, user_name=user_name, created_at=now)
    user_store.put(user)
    return user


def confirm_sign_up(user_name: str, verification_code: str) -> None:
    user_name = normalize_email(user_name)
    if settings().auto_confirm_sign_up:
        return  # already confirmed at sign-up; any code is accepted locally
    identity.confirm_sign_up(user_name, verification_code)


def log_in(user_name: str, password: str) -> Tokens:
    return identity.password_login(normalize_email(user_name), password)


def refresh_tokens(refresh_token: str) -> Tokens:
    return identity.refresh(refresh_token)


def log_out(principal: Principal) -> None:
    """Revoke the caller's refresh tokens.

    Decision: esp-rainmaker-cli sends `logout2?logout_all=false` with no body, so there is no refresh
    token to revoke alone; every refresh token of the user is revoked (Cognito global sign-out).
    Issued access and ID tokens stay valid until they expire, as with any JWT authorizer.
    """
    identity.sign_out_everywhere(user_name_of(principal))


def user_name_of(principal: Principal) -> str:
    """The caller's e-mail: from the ID token, else from the users table (access tokens carry none)."""
    if principal.user_name:
        return principal.user_name
    user = user_store.get(principal.user_id)
    return user.user_name if user else ""


def user_info(principal: Principal) -> User:
    user = user_store.get(principal.user_id)
    if user is not None:
        return user
    return User(user_id=principal.user_id, user_name=principal.user_name)


def create_operator(user_name: str, password: str, now: int) -> User:
    """An operator account: confirmed, in the `admin` group. Used by the local stack's seeding and
    by `scripts/create_operator.py` against a deployed pool."""
    user_name = normalize_email(user_name)
    user_id = identity.create_confirmed_user(user_name, password)
    identity.set_user_id(user_name, user_id)
    identity.add_to_group(user_name, OPERATOR_GROUP)
    user = User(user_id=user_id, user_name=user_name, created_at=now)
    user_store.put(user)
    return user
