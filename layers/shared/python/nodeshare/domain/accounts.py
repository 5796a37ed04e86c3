"""Deleting an account: esp-rainmaker-cli's `deleteuser` (`DELETE /v1/user2?request=true`, then
`?verification_code=`).

The code proves the caller still reads the account's mailbox: Cognito mails it to the account's
verified address (`GetUserAttributeVerificationCode` for `email`) and checks it
(`VerifyUserAttribute`), both on the caller's own access token. Then, in this order, so that
nothing of the account keeps granting at any moment:

1. every node it is primary of is released (a new epoch: every secondary, grant, role assignment
   and pending request on it stops counting at once, SPEC §2.1), every node it is a secondary of
   is left (whatever it re-shared as `rwp` stops counting with it);
2. its pending share, permission and group share requests are cancelled (sent) or declined
   (received);
3. the user groups, node groups and roles it owns are deleted, it leaves the user groups it is in,
   and the grants made to it are removed;
4. its users row, then its Cognito account, are deleted: its refresh tokens are revoked first
   (`AdminUserGlobalSignOut`), then the account.

**Its tokens.** An access token already issued stays valid for API Gateway until it expires (at
most 15 minutes, `ACCESS_TOKEN_MINUTES` in infra/identity.py): its JWT authorizer checks only signature and
expiry. nodeshare refuses it anyway: once the code is checked, the users row is marked
`deleting_at`, and every route a user may call reads the caller's row first and answers 401 to a
caller whose row is marked or gone (`authorization.require_account`), but the deletion route
itself, which may finish a deletion that stopped half-way. So from the moment deletion begins, the
account's tokens create nothing (claims, shares, groups, requests) that would outlive it. The one
window left: a request already past that check when the mark is written, i.e. one that was running
concurrently with the deletion's first step.

Each step is the caller acting on what is its own, through the same use cases (and so the same
decision) as when it does so by hand. Every step is idempotent: a deletion that fails half-way is
finished by asking for a new code and deleting again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from nodeshare.domain import groups, node_groups, roles
from nodeshare.domain.group_sharing import (
    cancel_group_share_request,
    decline_group_share_request,
    list_group_share_requests,
)
from nodeshare.domain.nodes import list_user_nodes, remove_mapping
from nodeshare.domain.permission_requests import (
    cancel_permission_request,
    decline_permission_request,
    list_permission_requests,
)
from nodeshare.domain.sharing import cancel_share_request, decline_share_request, list_share_requests
from nodeshare.model.entities import USER_SUBJECT, Principal
from nodeshare.model.errors import (
    DomainError,
    InvalidCredentials,
    RequestExpired,
    RequestNotFound,
    RequestNotPending,
)
from nodeshare.store import grants as grant_store
from nodeshare.store import groups as group_store
from nodeshare.store import identity
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import users as user_store

PAGE = 100
# Bounds on the loops below (each round removes what it lists): a user with more than this many
# nodes or requests finishes on a second deletion.
MAX_ROUNDS = 20


def request_account_deletion(access_token: str) -> None:
    identity.send_email_code(access_token)


def delete_account(principal: Principal, access_token: str, code: str, now: int) -> None:
    identity.check_email_code(access_token, code)
    user_store.mark_deleting(principal.user_id, now)
    _let_go_of_nodes(principal, now)
    _withdraw_requests(principal, now)
    _delete_what_it_owns(principal)
    user = user_store.get(principal.user_id)
    if user is not None:
        _leave_user_groups(user.user_id, user.user_name, user.group_ids)
        subject = USER_SUBJECT + user.user_id
        grant_store.drop_subject(subject, sorted(user.granted_targets))
        for target in sorted(user.granted_targets):
            if target.startswith(grant_store.NODE_GROUP_TARGET):
                group = node_group_store.get(target.removeprefix(grant_store.NODE_GROUP_TARGET))
                if group is not None:
                    node_group_store.remove_grant(group, subject)
        user_store.delete(user.user_id)
    with suppress(InvalidCredentials):  # the Cognito account is already gone: nothing to revoke
        identity.sign_out_everywhere(principal.user_id)
    identity.delete_user(principal.user_id)


def _let_go_of_nodes(principal: Principal, now: int) -> None:
    """Release what it is primary of, leave what it is a secondary of (`remove_mapping`, the CLI's
    `removenode`). A node it reaches only through a grant or a group has nothing to leave."""
    done: set[str] = set()
    for _ in range(MAX_ROUNDS):
        page = [node.node.node_id for node in list_user_nodes(principal, None, PAGE, now).nodes]
        pending = [node_id for node_id in page if node_id not in done]
        if not pending:
            return
        for node_id in pending:
            done.add(node_id)
            try:
                remove_mapping(principal, node_id, now)
            except DomainError:
                continue  # reached through a grant or a group only: removed with those below


# A request answered, cancelled or dropped by the cascade (releasing a node in step 1 ends its
# pending requests) between listing and withdrawing it is already what withdrawing wants.
ALREADY_GONE = (RequestNotPending, RequestNotFound, RequestExpired)


def _withdraw_requests(principal: Principal, now: int) -> None:
    """Cancel what it sent and decline what it received: share, permission and group share
    requests."""
    for listing, withdraw, sent in (
        (list_share_requests, cancel_share_request, True),
        (list_share_requests, decline_share_request, False),
        (list_permission_requests, cancel_permission_request, True),
        (list_permission_requests, decline_permission_request, False),
        (list_group_share_requests, cancel_group_share_request, True),
        (list_group_share_requests, decline_group_share_request, False),
    ):
        _withdraw_all(principal, listing, withdraw, sent, now)


def _withdraw_all(
    principal: Principal,
    listing: Callable[..., tuple[Sequence[Any], str | None]],
    withdraw: Callable[[Principal, str, int], Any],
    sent: bool,
    now: int,
) -> None:
    """Page by page (each round withdraws what it lists), at most `MAX_ROUNDS` pages."""
    for _ in range(MAX_ROUNDS):
        requests, _next = listing(
            principal, sent=sent, request_id=None, start_request_id=None, limit=PAGE, now=now
        )
        if not requests:
            return
        for request in requests:
            with suppress(*ALREADY_GONE):
                withdraw(principal, request.request_id, now)


def _delete_what_it_owns(principal: Principal) -> None:
    for group in group_store.owned_by(principal.user_id):
        groups.delete_group(principal, group.group_id)
    for node_group in node_group_store.owned_by(principal.user_id):
        node_groups.delete_node_group(principal, node_group.group_id)
    roles.delete_all_roles(principal)


def _leave_user_groups(user_id: str, user_name: str, group_ids: frozenset[str]) -> None:
    for group_id in sorted(group_ids):
        group = group_store.get(group_id)
        if group is None:
            continue
        members = {member.user_name: member for member in group.members if member.user_name != user_name}
        change = group_store.MembershipChange(members=members, joined=(), left=(user_id,))
        group_store.change_members(group, change, max_groups_per_user=0)
