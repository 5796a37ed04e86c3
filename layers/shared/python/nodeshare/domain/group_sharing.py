"""RainMaker group sharing (esp-rainmaker-cli `group sharing add|remove|list|list-requests|accept|
decline|cancel`): a node group's owner offers groups to a user by e-mail; accepting grants the
user a level on each group, so it reaches the group's nodes as the group holds them — a node added
later is shared too, one removed no longer is, at once (`authorization._sources`; SPEC §1.1).

- One request covers up to 10 groups, every one the caller's own (`GroupAction.OWN`; 404 for a
  group it may not see, 403 for one it sees but does not own). It expires like a node share
  request (`REQUEST_TTL_SECONDS`, 7 days by default; SPEC §2.2).
- An unknown e-mail gets exactly the answer a known one gets: a request that no account can
  accept (SPEC §2.4). Sharing with oneself is a 400, and so is a body without `user_name` (what
  the CLI calls "self-sharing": nodeshare has nothing to share with oneself).
- `primary: true` grants `rwp` on the groups, otherwise `rw`. Like any access through a group it
  does not let the user pass access on (that needs `rwp` given on the node itself) and the group
  stays its owner's to change; it shows as `user_role: "primary"`.
- `sub_role` (1-4) and `metadata` are kept on the request and, once accepted, on the grant; they
  are listed, never decide anything (as for node shares, `domain.sharing`).
- `transfer: true` offers the groups themselves: accepting makes the invitee their owner and the
  primary of every node in them, as a node transfer does (a new epoch per node: every earlier
  secondary and grant cut off, SPEC §2.1), with the old owner kept on each node at `new_role`
  (`domain.sharing.NEW_ROLE_LEVELS`; absent, it leaves). The groups' grants and parent go (they
  were the old owner's to give and to keep); their nodes' memberships move to the new owner under
  the new epochs. The requester must own every group and be the primary of every node in them,
  when asking and again when the invitee accepts (SPEC §2 rule 8; otherwise 409, nothing moves),
  and it is all or nothing: one transaction, so at most `MAX_TRANSFERRED_NODES` nodes over all
  the groups. A tag group (its nodes follow its owner's tags) is not transferred (400), nor a
  mutually exclusive group whose node is already in one of the invitee's (409 at accept).
  `new_role` without `transfer` is ignored: esp-rainmaker-cli sends it whenever `--new-role` is
  given.
- Accepting needs the invitee, a pending unexpired request, and grants each group its requester
  still owns at that moment (SPEC §2 rule 8); none left is a 409 and nothing changes. The request's
  status and the grants on every group are one transaction, so an accept racing a cancel, a
  decline or another accept ends in exactly one outcome (SPEC §2.5). Sharing a group again with a
  user who already has it makes a new request; accepting it replaces the earlier grant.
- Removing: the owner removes a user's grant on its groups (answering the same whether the user
  had one, has no account or never heard of the group's nodes: SPEC §2.4); a user may remove
  itself from groups shared with it (`GroupAction.LEAVE`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nodeshare.domain.authorization import (
    Action,
    GroupAction,
    RequestAction,
    authorize_group_requester,
    authorize_group_share_request,
    authorize_many,
    authorize_node_group,
    authorize_node_groups,
    may_handle_node_group,
)
from nodeshare.domain.node_groups import own_and_shared_node_groups
from nodeshare.domain.permissions import EMAIL_SUBJECT, MAX_GRANTS_PER_NODE
from nodeshare.domain.sharing import NEW_ROLE_LEVELS, new_request_id, require_pending
from nodeshare.domain.stored_json import check_storable
from nodeshare.domain.users import normalize_email, user_name_of
from nodeshare.model.entities import (
    USER_SUBJECT,
    Grant,
    GroupShareRequest,
    Node,
    NodeGroup,
    Principal,
    RequestStatus,
)
from nodeshare.model.errors import BadRequest, Conflict, GroupLimitReached
from nodeshare.model.levels import DEFAULT_SECONDARY_LEVEL, Level
from nodeshare.observability import Count, count
from nodeshare.settings import settings
from nodeshare.store import access
from nodeshare.store import group_share_requests as request_store
from nodeshare.store import node_groups as node_group_store
from nodeshare.store import users as user_store
from nodeshare.store.requests import TRANSACTION_LIMIT
from nodeshare.store.sharing import Party

ACCEPT_ATTEMPTS = 3
MAX_LISTED_GROUPS = 100
# A transfer is one transaction of at most 100 items (DynamoDB): the request, up to 10 groups and
# 3 items per node (the node, the new primary's and the old primary's association rows).
MAX_TRANSFERRED_NODES = (TRANSACTION_LIMIT - 1 - 10) // 3
NO_USER_NAME = (
    "user_name is required: a group is shared with another user by e-mail (sharing with yourself "
    "is not supported)"
)


def share_node_groups(
    principal: Principal,
    group_ids: list[str],
    user_name: str | None,
    *,
    primary: bool,
    transfer: bool,
    metadata: dict[str, Any],
    now: int,
    sub_role: int | None = None,
    new_role: str | None = None,
) -> str:
    """One request offering the caller's `group_ids` to `user_name` (or, with `transfer`, handing
    them over); its id.

    Round trips: the invitee by e-mail, the groups (one BatchGetItem), for a transfer their nodes
    (the decision's), the caller's e-mail when its token carries none, the write.
    """
    if not user_name:
        raise BadRequest(NO_USER_NAME)
    if transfer and new_role is not None and new_role not in NEW_ROLE_LEVELS:
        raise BadRequest(f"new_role must be one of {', '.join(NEW_ROLE_LEVELS)}")
    check_storable(metadata, "metadata")  # kept on the request and the grant, and listed
    group_ids = list(dict.fromkeys(group_ids))
    user_name = normalize_email(user_name)
    invitee = user_store.find_by_name(user_name)
    if user_name == principal.user_name or (invitee is not None and invitee.user_id == principal.user_id):
        raise BadRequest("Cannot share groups with yourself")
    groups = authorize_node_groups(principal, GroupAction.OWN, group_ids)
    if transfer:
        _transferable_nodes(principal, groups, now, refuse=BadRequest)
    request = GroupShareRequest(
        request_id=new_request_id(),
        requester_user_id=principal.user_id,
        requester_user_name=user_name_of(principal),
        invitee_user_name=user_name,
        invitee_user_id=invitee.user_id if invitee else None,
        group_ids=tuple(group.group_id for group in groups),
        group_names=tuple(group.name for group in groups),
        level=Level.READ_WRITE_PERMISSION if primary or transfer else DEFAULT_SECONDARY_LEVEL,
        metadata=metadata,
        status=RequestStatus.PENDING,
        created_at=now,
        expires_at=now + settings().request_ttl_seconds,
        sub_role=None if transfer else sub_role,  # an owner has no sub-role
        transfer=transfer,
        new_role=new_role if transfer else None,
    )
    # A retried create (same caller, invitee, groups, options) answers the pending first one.
    made = request_store.create_once(request, _content_key(request), now, new_request_id)
    if made == request.request_id:  # a new request, not a retry answered with the first one
        count(Count.SHARE_REQUESTS_CREATED)
    return made


def _content_key(request: GroupShareRequest) -> str:
    """What makes two group share requests the same request: everything but id, names and times."""
    content = {
        "requester": request.requester_user_id,
        "invitee": request.invitee_user_name,
        "groups": sorted(request.group_ids),
        "level": request.level.value,
        "metadata": request.metadata,
        "sub_role": request.sub_role,
        "transfer": request.transfer,
        "new_role": request.new_role,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(b"group_share:" + encoded.encode()).hexdigest()


def _transferable_nodes(
    requester: Principal, groups: Sequence[NodeGroup], now: int, refuse: type[Exception]
) -> list[Node]:
    """Every node of the groups, as the decision read them, if the requester may transfer each
    (its primary) and they fit one transaction; else `refuse` (400 when asking, 409 at accept)."""
    for group in groups:
        if group.tag is not None:
            raise refuse(f"Group {group.group_id} is defined by a tag and cannot be transferred")
    node_ids = sorted(set().union(*(group.node_ids for group in groups)))
    if len(node_ids) > MAX_TRANSFERRED_NODES:
        raise refuse(
            f"A transfer moves at most {MAX_TRANSFERRED_NODES} nodes; these groups hold {len(node_ids)}"
        )
    checked = authorize_many(requester, Action.TRANSFER, node_ids, now)
    if len(checked.granted()) < len(node_ids):
        raise refuse("Only the primary of every node in the groups may transfer them")
    return [node_access.node for node_access in checked.granted().values()]


def _accept_transfer(principal: Principal, request: GroupShareRequest, now: int) -> list[str]:
    """The invitee takes the groups and their nodes over (see the module's docstring)."""
    owned = authorize_group_requester(request)
    if len(owned) < len(request.group_ids):
        raise Conflict("The requester no longer owns every group of this transfer; nothing was transferred")
    groups = list(owned.values())
    requester = Principal(request.requester_user_id, request.requester_user_name)
    nodes = _transferable_nodes(requester, groups, now, refuse=Conflict)
    exclusive_nodes = set().union(*(group.node_ids for group in groups if group.mutually_exclusive))
    for node in nodes:
        if node.node_id in exclusive_nodes and any(
            m.exclusive and m.owner_user_id == principal.user_id and m.group_id not in owned
            for m in node.node_groups
        ):
            raise Conflict(f"Node {node.node_id} is in another mutually exclusive group of yours")
    invitee = Party(principal.user_id, user_name_of(principal))
    old_owner_level = NEW_ROLE_LEVELS.get(request.new_role or "")
    request_store.accept_transfer(request, groups, nodes, invitee, old_owner_level, now)
    count(Count.SHARE_REQUESTS_ACCEPTED)
    return list(owned)


def _check_room(group: NodeGroup, subject: str) -> None:
    if len(group.grants) >= MAX_GRANTS_PER_NODE and all(grant.subject != subject for grant in group.grants):
        raise GroupLimitReached(f"A node group holds at most {MAX_GRANTS_PER_NODE} grants")


def accept_group_share_request(principal: Principal, request_id: str, now: int) -> list[str]:
    """The invitee accepts: a grant on each group the requester still owns (SPEC §2 rule 8), in
    the transaction that marks the request accepted (a transfer: the groups and their nodes, all
    or nothing); returns those groups' ids."""
    for attempt in range(ACCEPT_ATTEMPTS):
        request = authorize_group_share_request(principal, RequestAction.ANSWER, request_id)
        require_pending(request, now)
        if request.transfer:
            try:
                return _accept_transfer(principal, request, now)
            except Conflict:  # a group or node changed between reading and writing: read again
                if attempt == ACCEPT_ATTEMPTS - 1:
                    raise
                continue
        owned = authorize_group_requester(request)
        if not owned:
            raise Conflict("The requester no longer owns these groups; the request cannot be accepted")
        subject = USER_SUBJECT + principal.user_id
        for group in owned.values():
            _check_room(group, subject)
        grant = Grant(
            subject,
            request.level,
            None,  # a grant on a group counts per member node, under the epoch it joined in
            (),  # the owner's: each node checks the owner's authority over it
            now,
            request_id=request.request_id,
            sub_role=request.sub_role,
            metadata=request.metadata,
        )
        try:
            request_store.accept(request, list(owned.values()), grant, now)
            count(Count.SHARE_REQUESTS_ACCEPTED)
            return list(owned)
        except Conflict:  # a group changed between reading and writing: read again
            if attempt == ACCEPT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def decline_group_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_group_share_request(principal, RequestAction.ANSWER, request_id)
    require_pending(request, now)
    request_store.answer(request, RequestStatus.DECLINED, now)


def cancel_group_share_request(principal: Principal, request_id: str, now: int) -> None:
    request = authorize_group_share_request(principal, RequestAction.CANCEL, request_id)
    require_pending(request, now)
    request_store.answer(request, RequestStatus.CANCELLED, now)


def list_group_share_requests(
    principal: Principal,
    *,
    sent: bool,
    request_id: str | None,
    start_request_id: str | None,
    limit: int,
    now: int,
) -> tuple[list[GroupShareRequest], str | None]:
    """Pending, unexpired group share requests received (or sent); with `request_id`, that one
    request in any state, for its requester or invitee (an unanswered one past its expiry reads
    as expired)."""
    if request_id:
        return [authorize_group_share_request(principal, RequestAction.VIEW, request_id)], None
    return request_store.list_pending(
        principal.user_id, sent=sent, start_request_id=start_request_id, limit=limit, now=now
    )


@dataclass(frozen=True)
class SharedUser:
    user_name: str
    metadata: dict[str, Any]
    sub_role: int | None = None


@dataclass(frozen=True)
class GroupSharing:
    """Who a node group is shared with, as one caller may see it: its owner (`primary`) and the
    users a grant on it names (`secondary`), by e-mail."""

    group: NodeGroup
    primary: list[SharedUser]
    secondary: list[SharedUser]


def group_sharing(principal: Principal, group_id: str | None) -> list[GroupSharing]:
    """Sharing details of one group the caller may see, or of its first 100 groups (owned or shared
    with it, by group id). The owner and operators see every user with a grant on the group other
    than a deny (`dr`); a user it is shared with sees the owner and itself
    (`GroupAction.SEE_USERS`). Grants to user groups and to e-mails without an account are not
    users, and are not listed."""
    if group_id is not None:
        groups = [authorize_node_group(principal, GroupAction.VIEW, group_id)]
    else:
        groups = _groups_of(principal)
    wanted: dict[str, list[Grant]] = {}
    for group in groups:
        shared = [
            grant
            for grant in group.grants
            if grant.subject.startswith(USER_SUBJECT) and grant.level is not Level.DENY_READ
        ]
        if not may_handle_node_group(principal, GroupAction.SEE_USERS, group)[0]:
            shared = [grant for grant in shared if grant.subject == USER_SUBJECT + principal.user_id]
        wanted[group.group_id] = shared
    user_ids = [group.owner_user_id for group in groups] + [
        grant.subject.removeprefix(USER_SUBJECT) for grants in wanted.values() for grant in grants
    ]
    users = access.load([], [], user_rows=user_ids).users if user_ids else {}

    def name_of(user_id: str) -> str:
        user = users.get(user_id)
        return user.user_name if user else ""

    sharings = []
    for group in groups:
        secondary = [
            SharedUser(name_of(grant.subject.removeprefix(USER_SUBJECT)), grant.metadata, grant.sub_role)
            for grant in wanted[group.group_id]
        ]
        primary = [SharedUser(name_of(group.owner_user_id), {})]
        sharings.append(GroupSharing(group, primary, sorted(secondary, key=lambda user: user.user_name)))
    return sharings


def _groups_of(principal: Principal) -> list[NodeGroup]:
    """The caller's own node groups and those shared with it, the first `MAX_LISTED_GROUPS` by
    group id."""
    everything = own_and_shared_node_groups(principal)
    return [everything[group_id] for group_id in sorted(everything)[:MAX_LISTED_GROUPS]]


def remove_group_user(principal: Principal, group_ids: list[str], user_name: str) -> None:
    """The owner removes `user_name`'s grant on each group (the same answer whether it had one or
    not, or has no account: SPEC §2.4); a user names itself to leave groups shared with it."""
    group_ids = list(dict.fromkeys(group_ids))
    user_name = normalize_email(user_name)
    target = user_store.find_by_name(user_name)
    removing_self = target is not None and target.user_id == principal.user_id
    action = GroupAction.LEAVE if removing_self else GroupAction.OWN
    groups = authorize_node_groups(principal, action, group_ids)
    subject = USER_SUBJECT + target.user_id if target is not None else EMAIL_SUBJECT + user_name
    holding = [group for group in groups if any(grant.subject == subject for grant in group.grants)]
    node_group_store.remove_grants(holding, subject)
