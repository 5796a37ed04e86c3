"""Accounts: sign-up and confirmation, sign-in, tokens, and who the caller is.

`user_id` is the Cognito `sub`: stable, present in every token (ID and access), and also written
to `custom:user_id` so ID tokens carry it under the name the spec gives it.

**One record from every path.** Whatever made the account — nodeshare's sign-up, Cognito's own
`SignUp` and `ConfirmSignUp`, an operator's `AdminCreateUser`, `make operator` — `record_user` ends
it in the same state: a users row (`user_id`, the e-mail) and `custom:user_id`. The pool calls it
as its PostConfirmation trigger (every confirmation) and its PreTokenGeneration trigger (every
sign-in and refresh: Cognito runs no confirmation trigger for accounts an administrator creates),
through `functions/users/record_user.py`. The local stack, whose emulator runs no triggers, calls
the same handler after the same Cognito calls (`nodeshare.local.cognito_triggers`).
"""

from __future__ import annotations

from collections.abc import Mapping

from nodeshare.model import errors
from nodeshare.model.entities import GroupMember, Principal, Tokens, User
from nodeshare.settings import settings
from nodeshare.store import associations as association_store
from nodeshare.store import group_share_requests as group_share_request_store
from nodeshare.store import groups as group_store
from nodeshare.store import identity
from nodeshare.store import permission_requests as permission_request_store
from nodeshare.store import requests as request_store
from nodeshare.store import users as user_store
from nodeshare.user_pool import OPERATOR_GROUP


def normalize_email(user_name: str) -> str:
    """E-mail addresses are compared without case: `Bob@X.test` signs in, is shared with and is
    listed as `bob@x.test`. Decision: the one place user names are normalized."""
    return user_name.strip().lower()


def sign_up(user_name: str, password: str, now: int) -> User:
    """The Cognito account only: its record is written when it is confirmed (`record_user`, the
    pool's trigger), so a failure here leaves nothing half-made to collide with a retry."""
    user_name = normalize_email(user_name)
    user_id = identity.sign_up(user_name, password)
    if settings().auto_confirm_sign_up:  # local stack only: there is no mailbox
        identity.admin_confirm(user_name)
    return User(user_id=user_id, user_name=user_name, created_at=now)


def record_user(pool_id: str, username: str, attributes: Mapping[str, str], now: int) -> str | None:
    """Make the account's record complete and current, idempotently: the users row (unless it
    exists), then `custom:user_id`; and, once recorded, the row follows the account's verified
    address (`follow_verified_address`). The user id when something was written, None when the
    record was already complete and current or there is no address to record. A recorded account
    costs a sign-in one GetItem (its row, to compare the addresses).

    The address recorded is the account's `email` as Cognito holds it. Users cannot set it
    unverified (the pool keeps the original until a new one is verified); it was proved by the
    sign-up's code, or set by an administrator, who vouches for it.
    """
    user_id = attributes.get("sub", "")
    email = attributes.get("email", "")
    if not user_id or not email:
        return None
    if attributes.get(identity.USER_ID_ATTRIBUTE) == user_id:
        return user_id if follow_verified_address(user_id, attributes) else None
    user_store.put_if_absent(User(user_id=user_id, user_name=normalize_email(email), created_at=now))
    identity.set_user_id(username or user_id, user_id, pool_id)
    return user_id


def follow_verified_address(user_id: str, attributes: Mapping[str, str]) -> bool:
    """A user changed her e-mail and verified the new one (Cognito's `VerifyUserAttribute`, which
    runs no trigger): her next token, at sign-in or refresh, brings nodeshare's record along. True
    when it changed.

    Only a verified `email` is followed (`email_verified` "true"): an unverified one is never
    trusted. Decision: every view names a user by the one stored address, so every copy of it
    that a view shows is rewritten to the new one, copies first and the row last, each write
    conditioned on the old address: the association rows (`GET /v1/user/nodes/sharing`), her
    pending share, permission and group share requests, sent and received, and her memberships of
    user groups (keyed by e-mail). A change that stops half-way leaves the row on the old address,
    so the next token finishes it. From the row's write on, sharing with the new address reaches
    her and sharing with the old one reaches nobody (it answers as for any unknown address).
    Answered requests and the params archive are records of what happened then: they keep the
    address of the time.

    Cognito gives an address to one account at a time; if another account's row still names it
    (that account moved away and has not signed in since), the change is refused (`errors.AddressTaken`)
    and her record stays as it was until that row moves on: the `by_user_name` index never names
    two users.
    """
    if attributes.get("email_verified", "").lower() != "true":
        return False
    new_name = normalize_email(attributes.get("email", ""))
    user = user_store.get(user_id)
    if user is None or not new_name or user.user_name == new_name:
        return False
    holder = user_store.find_by_name(new_name)
    if holder is not None and holder.user_id != user_id:
        raise errors.AddressTaken(f"Another account's record names {new_name}")
    old_name = user.user_name
    association_store.rename_user(user_id, old_name, new_name)
    partitions = (
        user_id,
        permission_request_store.PARTITION_PREFIX + user_id,
        group_share_request_store.PARTITION_PREFIX + user_id,
    )
    request_store.rename_party(user_id, partitions, old_name, new_name)
    for group_id in sorted(user.group_ids):
        _rename_member(group_id, user_id, old_name, new_name)
    return user_store.rename(user_id, old_name, new_name)


def _rename_member(group_id: str, user_id: str, old_name: str, new_name: str) -> bool:
    """Key the user's membership of the group by `new_name` instead of `old_name`. An entry the
    group already held for `new_name`, made before she had that address, becomes hers: a manager
    if either was. A group changed meanwhile is read again (a few times). True when written."""
    for _ in range(3):
        group = group_store.get(group_id)
        members = {member.user_name: member for member in group.members} if group else {}
        mine = members.get(old_name)
        if group is None or mine is None or mine.user_id != user_id:
            return False
        earlier = members.pop(new_name, None)
        del members[old_name]
        members[new_name] = GroupMember(user_id, new_name, mine.manager or bool(earlier and earlier.manager))
        if group_store.replace_members(group, members):
            return True
    return False


def confirm_sign_up(user_name: str, verification_code: str) -> None:
    user_name = normalize_email(user_name)
    if settings().auto_confirm_sign_up:
        return  # already confirmed at sign-up; any code is accepted locally
    identity.confirm_sign_up(user_name, verification_code)


def forgot_password(user_name: str, password: str | None, verification_code: str | None) -> bool:
    """esp-rainmaker-cli's `forgotpassword`, two calls to one route: without a code, Cognito mails
    one to the account's verified address (an unknown address answers the same: no enumeration);
    with the code and a new password, the password is changed. True when it was changed."""
    user_name = normalize_email(user_name)
    if not verification_code and not password:
        identity.forgot_password(user_name)
        return False
    if not verification_code or not password:
        raise errors.BadRequest("Both verification_code and password are needed to set a new password")
    identity.confirm_forgot_password(user_name, verification_code, password)
    return True


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
    identity.sign_out_everywhere(principal.user_id)


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
    """An operator account: confirmed, its address verified, in the `admin` group, recorded like
    every account (`record_user`: Cognito runs no confirmation trigger for an account an
    administrator creates). Used by the local stack's seeding and by `make operator`
    (`nodeshare.operator`) against a deployed or the local pool; running it again for an existing
    account resets its password and keeps its record."""
    user_name = normalize_email(user_name)
    user_id = identity.create_confirmed_user(user_name, password)
    identity.add_to_group(user_id, OPERATOR_GROUP)
    record_user(settings().user_pool_id, user_id, identity.user_attributes(user_id), now)
    return User(user_id=user_id, user_name=user_name, created_at=now)
