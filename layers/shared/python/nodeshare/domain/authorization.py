"""The one decision point (SPEC §1.1, §2.3): every "may this caller do this to this node?" is
answered here, and nowhere else.

- `decide(principal, action, facts, now)` is pure. It sees every source that names the caller
  and the node (its association from an accepted share, grants to the caller and to its user
  groups) and combines them by SPEC §1's rule: the primary is never restricted; a source counts
  only while it is current; `dr` anywhere denies; otherwise the most restrictive level wins.
- `authorize` / `authorize_many` load those facts themselves (`store.access`), in two round
  trips whatever the number of nodes up to a batch: a caller may ask for extra rows in the same
  round trips, but can never hand facts in (they could miss a `dr` grant).
- `may_handle_request` says who may see, answer or cancel a request (share, group share or
  permission request); `authorize_under_epochs` whether the one whose authority a request rests
  on still holds it under the node epochs the request was made in, and
  `authorize_group_requester` which node groups a group share's requester still owns (SPEC §2
  rule 8).
- `counts(...)` is the one "is this source current?" rule: made under the node's current epoch,
  and, when an `rwp` user made it, while every user it was granted through still holds `rwp` or
  is the primary (SPEC §1.1 step 2). Sharing lists and level updates use it too.
- `decide_product` says who may see a product (EVRYTHNG): operators every one, anyone else one in
  its scopes, by the same rule as a claim's (`in_scope`); `authorize_product(s)` load its facts.
- Roles (Symphony) narrow, never widen (SPEC §1.1 step 4): when the node's primary assigned the
  caller roles (on its user row), writing params, running an action and the archive need a
  permission of those roles on the node (or, to run an action, on that action) whose policy
  allows it (`NARROWED`) and whose term holds at `now`; a narrowed caller may not pass access on.
  Deleting a role or a permission allows less from the next request on. `authorize_role` gives
  a role to its owner alone.

Imports: every route asking about a node needs `store.access` and nothing else of the store. The
`authorize_<thing>` functions that read one row of another kind (a request, a group, a mapping, a
role, a node for a device) import its store when called, so a function loads the stores its own
route reads and no other (a cold start loads and runs every module it imports: README, "Cold
start"); the domain modules calling them import the same store themselves.

Revocation is immediate (SPEC §2.1): a re-claim, transfer or release moves the node's epoch, and
every source of an earlier epoch stops counting at once, before the stream processor deletes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from nodeshare.domain.scopes import in_scope
from nodeshare.domain.terms import ALWAYS, describe, holding_term, parse_terms
from nodeshare.model.entities import (
    GROUP_SUBJECT,
    USER_SUBJECT,
    Association,
    Grant,
    GrantedBy,
    GroupShareRequest,
    MappingRequest,
    Node,
    NodeGroup,
    NodeGroupMembership,
    OwnerKind,
    OwnerRef,
    PermissionRequest,
    Principal,
    Product,
    Role,
    RoleDefinition,
    ShareRequest,
    Thing,
    UserGroup,
)
from nodeshare.model.errors import (
    AccessDenied,
    BadRequest,
    GroupNotFound,
    NodeNotFound,
    OperatorOnly,
    ProductNotFound,
    RequestNotFound,
    RoleNotFound,
    Unauthenticated,
)
from nodeshare.model.levels import Level, combine
from nodeshare.store import access


class Action(StrEnum):
    READ = "read"  # config, params, status, sharing details, explain
    WRITE = "write"  # set params, run actions
    SHARE = "share"  # grant or revoke access for others, manage tags
    TRANSFER = "transfer"  # hand the node to another primary: the primary alone
    LEAVE = "leave"  # remove one's own association with the node
    CLAIM = "claim"  # take ownership with the thing password (Kii): of a node nobody owns
    OWN = "own"  # make a user group an owner of the node (Kii): its owners
    SEE_OWNERS = "see_owners"  # list the node's owners (Kii): its owners and operators
    PROVISION = "provision"  # become primary by a mapping request the node confirms (RainMaker)
    RUN = "run"  # run one of the node's declared actions (Symphony)
    ARCHIVE_READ = "archive_read"  # page through the params archive (history)
    ARCHIVE_WRITE = "archive_write"  # add a correction record to the archive
    ARCHIVE_DELETE = "archive_delete"  # purge a time range of the archive


# The least level each action needs. The primary is never restricted. Reading the archive is a
# read (SPEC §1.1); correcting it is a write; purging it destroys what others wrote, so it needs
# the level that manages the node.
NEEDED_LEVEL = {
    Action.READ: Level.READ,
    Action.WRITE: Level.READ_WRITE,
    Action.SHARE: Level.READ_WRITE_PERMISSION,
    Action.RUN: Level.READ_WRITE,
    Action.ARCHIVE_READ: Level.READ,
    Action.ARCHIVE_WRITE: Level.READ_WRITE,
    Action.ARCHIVE_DELETE: Level.READ_WRITE_PERMISSION,
}
PRIMARY_ONLY = {Action.TRANSFER, Action.OWN, Action.SEE_OWNERS}
# What members of a node's owner groups may not do: transfer and release are the primary's alone
# (SPEC §1.1 step 1); they leave by removing their group's ownership, not as a secondary leaves.
NOT_FOR_OWNER_GROUPS = {Action.TRANSFER, Action.LEAVE}
# What operators may do on any node (SPEC §1: they read every node; history is a read).
OPERATOR_READS = {Action.READ, Action.ARCHIVE_READ, Action.SEE_OWNERS}
# How far access may be passed on from the primary: primary -> rwp -> rwp -> rwp -> user.
MAX_GRANT_CHAIN = 3

# What a role id may look like (Symphony's "rl-" and 32 hex digits, with room to spare): anything
# else cannot be a role, and is refused like a missing one without a read.
ROLE_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
MAPPING_ID_PATTERN = re.compile(r"[0-9a-f]{32}")  # `domain.mappings.request_id_for`

# Symphony policies, and which of them let a caller whose roles narrow it (SPEC §1.1 step 4) do
# each action. Reads, leaving and explaining are not narrowed; what needs `rwp` (`Action.SHARE`:
# passing access on, grants, tags) is refused outright to a narrowed caller (whoever it let in
# would not be narrowed).
DEVICE_FULL_ACCESS = "DeviceFullAccess"
ARCHIVE_FULL_ACCESS, ARCHIVE_READ_WRITE, ARCHIVE_READ_ONLY = (
    "ArchiveFullAccess",
    "ArchiveReadWrite",
    "ArchiveReadOnly",
)
POLICIES = (DEVICE_FULL_ACCESS, ARCHIVE_FULL_ACCESS, ARCHIVE_READ_WRITE, ARCHIVE_READ_ONLY)
NARROWED = {
    Action.WRITE: {DEVICE_FULL_ACCESS},
    Action.RUN: {DEVICE_FULL_ACCESS},
    Action.ARCHIVE_READ: {ARCHIVE_FULL_ACCESS, ARCHIVE_READ_WRITE, ARCHIVE_READ_ONLY},
    Action.ARCHIVE_WRITE: {ARCHIVE_FULL_ACCESS, ARCHIVE_READ_WRITE},
    Action.ARCHIVE_DELETE: {ARCHIVE_FULL_ACCESS},
}


class SourceKind(StrEnum):
    ASSOCIATION = "association"  # an accepted share request (RainMaker secondary)
    GRANT = "grant"  # a permission on the node or on a node group holding it (BuildingDepot)


@dataclass(frozen=True)
class Source:
    """One thing that names the caller (or one of its user groups) and the node (or one of its
    node groups), and whether it counts now."""

    kind: SourceKind
    subject: str  # "user:<id>" or "group:<id>"
    target: str  # "node:<id>" or "node_group:<id>"
    level: Level
    granted_by: GrantedBy
    counts: bool
    why: str  # why it counts, or why not

    @property
    def direct(self) -> bool:
        """Names the caller itself and the node itself (no group in between)."""
        return self.subject.startswith(USER_SUBJECT) and self.target.startswith(NODE_TARGET)


NODE_TARGET, NODE_GROUP_TARGET = "node:", "node_group:"
# Limits that keep the decision at two round trips (README, "How a decision is loaded").
MAX_GROUPS_PER_USER = 40
MAX_GROUPS_PER_NODE = 20


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The caller may know the node exists: a current source names it, or it is an operator.
    visible: bool
    role: Role | None  # PRIMARY, SECONDARY (some current source), None (none: a stranger or operator)
    level: Level | None  # the effective level of the current sources (None for the primary)
    reasons: tuple[str, ...]
    sources: tuple[Source, ...] = ()
    # What a grant made now on this decision would record as `granted_by` (see `onward_chain`).
    onward: GrantedBy = ()
    # The members of the node's owner groups now (`owner_members`), for judging others' sources
    # of the node as the decision did (`counts`, `counting_users`).
    owners: frozenset[str] = frozenset()

    @property
    def sees_every_user(self) -> bool:
        """The primary and operators see every user of a node; a secondary, at any level, sees the
        primary and itself only (SPEC §3.1)."""
        return self.role is Role.PRIMARY or (self.visible and self.role is None)


@dataclass(frozen=True)
class NodeFacts:
    """Everything `decide` needs about one principal and one node."""

    node: Node | None
    association: Association | None = None  # the principal's own
    # The principal's user groups that exist now and still list it as a member.
    user_groups: frozenset[str] = frozenset()
    # The node's node groups that exist now and still hold it.
    node_groups: tuple[tuple[NodeGroupMembership, NodeGroup], ...] = ()
    # None: the node's primary assigned the principal no roles. Otherwise the assigned roles that
    # still exist and are the primary's (maybe none: a deleted role allows nothing), which narrow.
    roles: tuple[RoleDefinition, ...] | None = None
    # The principal's projects, from its user row (the truth: deleting a project takes it off its
    # users' rows in the same transaction), for the scope rule of a claim.
    projects: frozenset[str] = frozenset()
    # Who owns the node through a group now (`owner_members`): the principal, if among them, is an
    # owner; so is anyone a source was granted through.
    owners: frozenset[str] = frozenset()


def owner_members(node: Node, groups: Mapping[str, UserGroup]) -> frozenset[str]:
    """The members of the node's owner groups made under its current epoch that exist now (Kii):
    owners, as the primary is, until the epoch moves, the group goes or they leave it."""
    return frozenset(
        member.user_id
        for group_id in node.current_owner_groups
        if (group := groups.get(group_id)) is not None
        for member in group.members
        if member.user_id  # an e-mail without an account is nobody yet
    )


def holds_authority(user_id: str, node: Node, owners: frozenset[str] = frozenset()) -> bool:
    """`user_id` may still pass access on: the primary, a member of a current owner group
    (`owners`, from `owner_members`), or `rwp` from the primary's side (an `rwp` association, which
    the node item lists in `rwp_user_ids`, or a direct grant) under the node's current epoch. Read
    from the node (and the owner groups the decision reads with it), so a chain costs no read."""
    if user_id == node.primary_user_id or user_id in node.rwp_user_ids or user_id in owners:
        return True
    return any(
        grant.subject == USER_SUBJECT + user_id
        and grant.epoch == node.epoch
        and grant.level is Level.READ_WRITE_PERMISSION
        for grant in node.grants
    )


def counts(
    epoch: int | None, granted_by: GrantedBy, node: Node, owners: frozenset[str] = frozenset()
) -> str | None:
    """None when a source made under `epoch` through `granted_by` is current; else why not.
    `owners`: the members of the node's owner groups now (`owner_members`)."""
    if epoch != node.epoch:
        return f"stale: made under epoch {epoch}, the node is at epoch {node.epoch}"
    for grantor in granted_by:
        if not holds_authority(grantor, node, owners):
            return f"granted by {grantor}, who no longer holds rwp on the node"
    return None


def current_association(facts: access.Facts, node_id: str, user_id: str) -> Association | None:
    """`user_id`'s secondary association with the node, if it counts now (loaded facts)."""
    node, row = facts.of(node_id, user_id)
    if node is None or row is None or row.role is not Role.SECONDARY or row.user_id == node.primary_user_id:
        return None
    owners = owner_members(node, facts.user_groups)
    return row if counts(row.epoch, row.granted_by, node, owners) is None else None


def counting_users(
    node: Node, rows: Mapping[str, Association], owners: frozenset[str] = frozenset()
) -> tuple[list[Association], list[Association]]:
    """Of a node's association rows (by user id), the primary's and the secondaries' that count
    now (`owners`: the node's owner-group members, `Decision.owners`)."""
    primary = [
        row for row in rows.values() if row.user_id == node.primary_user_id and row.epoch == node.epoch
    ]
    secondaries = [
        row
        for row in rows.values()
        if row.role is Role.SECONDARY
        and row.user_id != node.primary_user_id
        and counts(row.epoch, row.granted_by, node, owners) is None
    ]
    return primary, secondaries


def _sources(principal: Principal, node: Node, facts: NodeFacts) -> list[Source]:
    sources: list[Source] = []
    node_target = NODE_TARGET + node.node_id
    association = facts.association
    if association is not None and association.role is Role.SECONDARY:
        why_not = counts(association.epoch, association.granted_by, node, facts.owners)
        why = why_not or f"secondary with level {association.level} (epoch {node.epoch})"
        sources.append(
            Source(
                SourceKind.ASSOCIATION,
                USER_SUBJECT + principal.user_id,
                node_target,
                association.level,
                association.granted_by,
                why_not is None,
                why,
            )
        )
    subjects = {USER_SUBJECT + principal.user_id} | {GROUP_SUBJECT + group for group in facts.user_groups}
    for grant in node.grants:
        if grant.subject in subjects:
            why_not = counts(grant.epoch, grant.granted_by, node, facts.owners)
            why = why_not or f"grant {grant.level} to {grant.subject} on the node (epoch {node.epoch})"
            sources.append(_grant_source(grant, node_target, why_not, why))
    for membership, group in facts.node_groups:
        target = NODE_GROUP_TARGET + group.group_id
        for grant in group.grants:
            if grant.subject in subjects:
                # Bound to the node's epoch when it joined the group, and to the group owner's
                # authority over this node now (SPEC §1.1 step 2).
                why_not = counts(
                    membership.epoch, (group.owner_user_id, *grant.granted_by), node, facts.owners
                )
                why = why_not or f"grant {grant.level} to {grant.subject} on node group {group.name!r}"
                sources.append(_grant_source(grant, target, why_not, why))
    return sources


def _grant_source(grant: Grant, target: str, why_not: str | None, why: str) -> Source:
    return Source(
        SourceKind.GRANT, grant.subject, target, grant.level, grant.granted_by, why_not is None, why
    )


def _claim(principal: Principal, node: Node, projects: frozenset[str]) -> Decision:
    """Claiming needs the thing password (checked by the caller, as authentication); this is the
    access rule: only a node nobody owns (never released by a claim over it: a password printed on
    a box is not a takeover key), and only within its scopes (SPEC §1 "Scopes", for every claim):
    named, `all`, or through one of the principal's `projects`."""
    if not (principal.is_operator or in_scope(node.scopes, principal.user_id, projects)):
        return Decision(False, False, None, None, ("outside the node's scopes",))
    if not node.owned:
        return Decision(True, False, None, None, ("unclaimed: it may be claimed with its thing password",))
    if node.reset_epoch == node.epoch:
        return Decision(True, False, None, None, ("the node reported a factory reset under its primary",))
    return Decision(False, False, None, None, ("claimed: its primary must release it first",))


def _provision(principal: Principal, node: Node, projects: frozenset[str]) -> Decision:
    """Provisioning (RainMaker's mapping request) makes the caller primary once the node itself
    confirms it with its token and the secret key the app gave it: the node's own participation,
    so even an owned node may be provisioned (SPEC §2.10). Scopes hold as for a claim."""
    if not (principal.is_operator or in_scope(node.scopes, principal.user_id, projects)):
        return Decision(False, False, None, None, ("outside the node's scopes",))
    return Decision(True, False, None, None, ("the node confirmed the mapping request",))


def decide(
    principal: Principal, action: Action, facts: NodeFacts, now: int, action_id: str | None = None
) -> Decision:
    """Pure: the decision and the reasons for it. `now` (epoch seconds) is for time-bound rules
    (role terms); `action_id` names the node's action for `Action.RUN`."""
    return replace(_decide(principal, action, facts, now, action_id), owners=facts.owners)


def _decide(
    principal: Principal, action: Action, facts: NodeFacts, now: int, action_id: str | None
) -> Decision:
    node = facts.node
    if node is None:
        return Decision(False, False, None, None, ("node does not exist",))
    if action is Action.CLAIM:
        return _claim(principal, node, facts.projects)
    if action is Action.PROVISION:
        return _provision(principal, node, facts.projects)
    if node.primary_user_id == principal.user_id:
        return Decision(True, True, Role.PRIMARY, None, (f"primary of the node (epoch {node.epoch})",))
    if principal.user_id in facts.owners:
        # Step 1: a member of an owner group acts with the primary's rights, never narrowed, but
        # may not transfer or release; what it passes on counts while it stays an owner.
        groups = ", ".join(group for group in node.current_owner_groups)
        allowed = action not in NOT_FOR_OWNER_GROUPS
        why = f"member of an owner group of the node ({groups}, epoch {node.epoch})"
        if not allowed:
            why += f"; only the primary may {action}"
        return Decision(allowed, True, None, Level.READ_WRITE_PERMISSION, (why,), onward=(principal.user_id,))

    sources = tuple(_sources(principal, node, facts))
    current = [source for source in sources if source.counts]
    reasons = [source.why for source in sources]
    if not current:
        if principal.is_operator:
            # Operators see everything (SPEC §1) but act on nodes only through their own sources.
            allowed = action in OPERATOR_READS
            reasons.append("operator may read every node" if allowed else f"operators may not {action}")
            return Decision(allowed, True, None, None, tuple(reasons), sources)
        reasons.append("no current source names the caller and the node")
        return Decision(False, False, None, None, tuple(reasons), sources)

    level = combine(source.level for source in current)
    assert level is not None
    if level is Level.DENY_READ:
        reasons.append("dr: a deny applies")
    else:
        reasons.append(f"effective level {level}: the most restrictive current source")

    def answer(allowed: bool, why: str, onward: GrantedBy = ()) -> Decision:
        return Decision(allowed, True, Role.SECONDARY, level, (*reasons, why), sources, onward)

    if principal.is_operator and action in OPERATOR_READS:
        return answer(True, "operator may read every node")
    if action in PRIMARY_ONLY:
        return answer(False, f"only the primary may {action}")
    if action is Action.LEAVE:
        if any(source.kind is SourceKind.ASSOCIATION for source in current):
            return answer(True, "a secondary may leave")
        return answer(False, "no share to leave: grants are removed by whoever manages them")
    needed = NEEDED_LEVEL[action]
    if not level.allows(needed):
        return answer(False, f"{action} needs {needed}, has {level}")
    if facts.roles is not None:
        # Step 4: roles the primary assigned narrow the caller, never widen (SPEC §1.1).
        if action is Action.SHARE:
            return answer(False, "roles narrow the caller: it may not pass access on")
        if action in NARROWED:
            covering = _covering_permission(action, node.node_id, facts.roles, now, action_id)
            if covering is None:
                return answer(False, f"roles narrow the caller: no role permission covers {action} now")
            reasons.append(covering)
    if action is not Action.SHARE:
        return answer(True, f"{action} needs {needed}")
    # Passing access on needs `rwp` given to the caller itself: what it grants is checked later
    # against its direct sources (`holds_authority`), and a group's members are its owner's to change.
    direct = [source for source in current if source.direct and source.level is Level.READ_WRITE_PERMISSION]
    if not direct:
        return answer(False, f"share needs {needed} given to the caller itself, not only through a group")
    onward = (principal.user_id, *min((source.granted_by for source in direct), key=len))
    if len(onward) > MAX_GRANT_CHAIN:
        return answer(False, f"access may be passed on at most {MAX_GRANT_CHAIN} times from the primary")
    return answer(True, f"share needs {needed}", onward)


def _covering_permission(
    action: Action, node_id: str, roles: Sequence[RoleDefinition], now: int, action_id: str | None
) -> str | None:
    """Why a role permission allows `action` on the node now (its role, permission and term), or
    None: a permission on the node (`thingId`), or for running an action also one on that action
    (`actionId`), with a policy that allows the action and a term that holds at `now`."""
    targets = {node_id}
    if action is Action.RUN and action_id is not None:
        targets.add(f"{node_id}/{action_id}")
    for role in roles:
        for permission in role.permissions:
            on = permission.thing_id if permission.thing_id is not None else permission.action_id
            if on not in targets or permission.policy not in NARROWED[action]:
                continue
            try:
                terms = parse_terms(list(permission.terms))
            except BadRequest:  # checked when written: a term that no longer parses allows nothing
                continue
            index = holding_term(terms, now)
            if index is None:
                continue
            when = "always (no term)" if index == ALWAYS else f"term {index}: {describe(terms[index])}"
            return (
                f"role {role.name!r} ({role.role_id}) permission {permission.permission_id}: "
                f"{permission.policy} on {on}, {when}"
            )
    return None


@dataclass(frozen=True)
class NodeAccess:
    """A granted decision together with the facts it was made on (reused by the caller)."""

    node: Node
    association: Association | None
    decision: Decision


Outcome = NodeAccess | NodeNotFound | AccessDenied


@dataclass(frozen=True)
class Checked:
    """What `authorize_many` found: per node, the access or the refusal, and every row loaded
    (including the extra ones the caller asked for in the same round trips)."""

    outcomes: dict[str, Outcome]
    facts: access.Facts

    def granted(self) -> dict[str, NodeAccess]:
        return {node_id: o for node_id, o in self.outcomes.items() if isinstance(o, NodeAccess)}

    def raise_first_refusal(self) -> dict[str, NodeAccess]:
        """Every node's access, or the first refusal raised (for requests that must hold on all)."""
        for outcome in self.outcomes.values():
            if not isinstance(outcome, NodeAccess):
                raise outcome
        return self.granted()


def node_facts(principal_id: str, node_id: str, facts: access.Facts) -> NodeFacts:
    node, association = facts.of(node_id, principal_id)
    user = facts.users.get(principal_id)
    user_groups = frozenset(
        group_id
        for group_id in (user.group_ids if user else ())
        if (user_group := facts.user_groups.get(group_id)) is not None
        and any(member.user_id == principal_id for member in user_group.members)
    )
    node_groups = tuple(
        (membership, node_group)
        for membership in (node.node_groups if node else ())
        if (node_group := facts.node_groups.get(membership.group_id)) is not None
        and node_id in node_group.node_ids
    )
    primary = node.primary_user_id if node else None
    assigned = user.role_assignments.get(primary) if user and primary else None
    roles = None
    if assigned is not None:
        roles = tuple(
            role
            for role_id in assigned
            if (role := facts.roles.get(role_id)) is not None and role.owner_user_id == primary
        )
    projects = user.project_ids if user else frozenset()
    owners = owner_members(node, facts.user_groups) if node else frozenset()
    return NodeFacts(node, association, user_groups, node_groups, roles, projects, owners)


def authorize_many(
    principal: Principal,
    action: Action,
    node_ids: Sequence[str],
    now: int,
    *,
    other_users: Sequence[str] = (),
    user_rows: Sequence[str] = (),
    action_id: str | None = None,
) -> Checked:
    """Load the facts about the caller and `node_ids` (two round trips up to a batch), and decide
    for each node. `other_users`' associations with the nodes and the `user_rows` users are read
    in the same round trips, for the caller's own use (they never change the decision)."""
    facts = access.load_for_decision(principal.user_id, node_ids, other_users, user_rows)
    outcomes: dict[str, Outcome] = {}
    for node_id in node_ids:
        node_fact = node_facts(principal.user_id, node_id, facts)
        decision = decide(principal, action, node_fact, now, action_id)
        if node_fact.node is not None and decision.allowed:
            outcomes[node_id] = NodeAccess(node_fact.node, node_fact.association, decision)
        elif decision.visible:
            outcomes[node_id] = AccessDenied(f"Not allowed to {action} node {node_id}")
        else:
            outcomes[node_id] = NodeNotFound(f"Node {node_id} not found")
    return Checked(outcomes, facts)


def authorize(
    principal: Principal, action: Action, node_id: str, now: int, *, action_id: str | None = None
) -> NodeAccess:
    """Load, decide, and raise unless allowed.

    A caller who may not know the node exists gets `NodeNotFound`, exactly like a missing node
    (SPEC §2.4); one who may see it but lacks the level gets `AccessDenied`.
    """
    outcome = authorize_many(principal, action, [node_id], now, action_id=action_id).outcomes[node_id]
    if isinstance(outcome, NodeAccess):
        return outcome
    raise outcome


def explain(
    principal: Principal, action: Action, node_id: str, now: int, action_id: str | None = None
) -> Decision:
    """The decision itself, allowed or not, for a caller who may see the node; anyone else gets
    the same `NodeNotFound` as for a missing node (`GET /v1/user/nodes/access`)."""
    facts = node_facts(principal.user_id, node_id, access.load_for_decision(principal.user_id, [node_id]))
    if not decide(principal, Action.READ, facts, now).visible:
        raise NodeNotFound(f"Node {node_id} not found")
    return decide(principal, action, facts, now, action_id)


class RequestAction(StrEnum):
    VIEW = "view"  # see the request: its requester or the one who answers it
    ANSWER = "answer"  # accept or decline: a share's invitee, a permission request's approver
    CANCEL = "cancel"  # the requester


AnyRequest = ShareRequest | PermissionRequest | GroupShareRequest
R = TypeVar("R", ShareRequest, PermissionRequest, GroupShareRequest)


def may_handle_request(principal: Principal, action: RequestAction, request: AnyRequest | None) -> bool:
    """Requests are personal: only their parties may touch them, operators included, and a
    missing request is refused like a foreign one (SPEC §2.4). A request no one may answer (an
    unknown e-mail, a node without a primary) is its requester's alone."""
    if request is None:
        return False
    parties = {
        RequestAction.VIEW: (request.requester_user_id, request.answerer_user_id),
        RequestAction.ANSWER: (request.answerer_user_id,),
        RequestAction.CANCEL: (request.requester_user_id,),
    }[action]
    return principal.user_id in parties


def _for_parties(principal: Principal, action: RequestAction, request_id: str, request: R | None) -> R:
    if not may_handle_request(principal, action, request) or request is None:
        raise RequestNotFound(f"Request {request_id} not found")
    return request


def authorize_request(principal: Principal, action: RequestAction, request_id: str) -> ShareRequest:
    """The share request, if the caller may `action` it; anyone else learns nothing (404)."""
    from nodeshare.store import requests as request_store

    return _for_parties(principal, action, request_id, request_store.get(request_id))


def authorize_permission_request(
    principal: Principal, action: RequestAction, request_id: str
) -> PermissionRequest:
    """The permission request, if the caller may `action` it; anyone else learns nothing (404)."""
    from nodeshare.store import permission_requests as permission_request_store

    return _for_parties(principal, action, request_id, permission_request_store.get(request_id))


def authorize_group_share_request(
    principal: Principal, action: RequestAction, request_id: str
) -> GroupShareRequest:
    """The group share request, if the caller may `action` it; anyone else learns nothing (404)."""
    from nodeshare.store import group_share_requests as group_share_request_store

    return _for_parties(principal, action, request_id, group_share_request_store.get(request_id))


def authorize_under_epochs(
    principal: Principal,
    action: Action,
    node_epochs: Mapping[str, int],
    now: int,
    *,
    user_rows: Sequence[str] = (),
) -> Checked:
    """SPEC §2 rule 8: a request is honoured only while the one whose authority it rests on still
    holds it, on every node it names. Per node: `principal`'s access for `action` now, if the node
    is still at the epoch the request was made in (no new claim, transfer or release since);
    else the refusal."""
    checked = authorize_many(principal, action, list(node_epochs), now, user_rows=user_rows)
    for node_id, outcome in checked.outcomes.items():
        if isinstance(outcome, NodeAccess) and outcome.node.epoch != node_epochs[node_id]:
            checked.outcomes[node_id] = NodeNotFound(f"Node {node_id} changed owner since the request")
    return checked


def authorize_requester(request: ShareRequest, now: int, *, user_rows: Sequence[str] = ()) -> Checked:
    """A share request rests on its requester's right to share (or transfer) each node."""
    requester = Principal(request.requester_user_id, request.requester_user_name)
    action = Action.TRANSFER if request.transfer else Action.SHARE
    return authorize_under_epochs(requester, action, request.node_epochs, now, user_rows=user_rows)


class GroupAction(StrEnum):
    VIEW = "view"  # the group and its members: its owner, managers and members (and operators)
    MANAGE_MEMBERS = "manage_members"  # add or remove members: the owner and managers
    OWN = "own"  # rename, name managers, delete, grant to it, share it: the owner alone
    ACT_FOR = "act_for"  # make it a node's owner, answer a PIN for it, remove its ownership: members
    # Node groups only:
    SEE_USERS = "see_users"  # every user it is shared with, not only the owner and oneself
    LEAVE = "leave"  # give up a share of it: a user who accepted one


def may_handle_group(principal: Principal, action: GroupAction, group: UserGroup | None) -> tuple[bool, bool]:
    """(allowed, visible) for a user group; a missing group is refused like a foreign one."""
    if group is None:
        return False, False
    member = next((m for m in group.members if m.user_id == principal.user_id), None)
    owner = group.owner_user_id == principal.user_id
    visible = owner or member is not None or principal.is_operator
    allowed = {
        GroupAction.VIEW: visible,
        GroupAction.MANAGE_MEMBERS: owner or (member is not None and member.manager),
        GroupAction.OWN: owner,
        GroupAction.ACT_FOR: member is not None,
    }[action]
    return allowed, visible


def authorize_group(principal: Principal, action: GroupAction, group_id: str) -> UserGroup:
    """The user group, if the caller may `action` it: 404 for a group it may not see (or none),
    403 for one it sees but may not change."""
    from nodeshare.store import groups as group_store

    group = group_store.get(group_id)
    allowed, visible = may_handle_group(principal, action, group)
    if group is None or not visible:
        raise GroupNotFound(f"Group {group_id} not found")
    if not allowed:
        raise AccessDenied(f"Not allowed to {action.value.replace('_', ' ')} group {group_id}")
    return group


def may_handle_node_group(
    principal: Principal, action: GroupAction, group: NodeGroup | None
) -> tuple[bool, bool]:
    """(allowed, visible) for a node group: its owner may do everything; a user it is shared with
    (a grant naming the user) and operators may see it; a missing group is refused like a foreign
    one. What a grant on the group allows on each node is `decide`'s, not this.

    Who it is shared with: its owner, and operators it is not shared with, see every user; a user
    it is shared with sees the owner and itself (as a secondary of a node does, SPEC §3.1).
    Leaving: a user whose grant came from an accepted group share may give it up, as a secondary
    leaves a node; any other grant (a `dr` among them) is removed by whoever manages it, the owner."""
    if group is None:
        return False, False
    owner = group.owner_user_id == principal.user_id
    own_grant = next((g for g in group.grants if g.subject == USER_SUBJECT + principal.user_id), None)
    shared = own_grant is not None
    visible = owner or shared or principal.is_operator
    allowed = {
        GroupAction.VIEW: visible,
        GroupAction.SEE_USERS: owner or (principal.is_operator and not shared),
        GroupAction.LEAVE: own_grant is not None and own_grant.request_id is not None and not owner,
    }.get(action, owner)
    return allowed, visible


def sees_every_node_of(principal: Principal, group: NodeGroup) -> bool:
    """The owner and operators see every node id of a node group; a user it is shared with sees
    the nodes it may read."""
    return group.owner_user_id == principal.user_id or principal.is_operator


def authorize_node_group(principal: Principal, action: GroupAction, group_id: str) -> NodeGroup:
    """The node group, if the caller may `action` it: 404 for one it may not see, 403 for one it
    sees but may not change."""
    from nodeshare.store import node_groups as node_group_store

    group = node_group_store.get(group_id)
    allowed, visible = may_handle_node_group(principal, action, group)
    if group is None or not visible:
        raise GroupNotFound(f"Group {group_id} not found")
    if not allowed:
        raise AccessDenied(f"Not allowed to {action.value.replace('_', ' ')} group {group_id}")
    return group


def authorize_node_groups(
    principal: Principal, action: GroupAction, group_ids: Sequence[str]
) -> list[NodeGroup]:
    """Every named node group, if the caller may `action` each (read in one BatchGetItem per 100
    ids): in the order named, the first it may not see (or that does not exist) is refused with
    404, the first it sees but may not `action` with 403 (as `authorize_node_group`)."""
    found = access.batch_get_groups(group_ids)
    groups = []
    for group_id in group_ids:
        group = found.get(group_id)
        node_group = group if isinstance(group, NodeGroup) else None
        allowed, visible = may_handle_node_group(principal, action, node_group)
        if node_group is None or not visible:
            raise GroupNotFound(f"Group {group_id} not found")
        if not allowed:
            raise AccessDenied(f"Not allowed to {action.value.replace('_', ' ')} group {group_id}")
        groups.append(node_group)
    return groups


def authorize_group_requester(request: GroupShareRequest) -> dict[str, NodeGroup]:
    """SPEC §2 rule 8 for a group share: of the request's node groups, those its requester still
    owns now (`GroupAction.OWN`), by id; a group deleted since is left out."""
    requester = Principal(request.requester_user_id, request.requester_user_name)
    found = access.batch_get_groups(request.group_ids)
    owned = {}
    for group_id in request.group_ids:
        group = found.get(group_id)
        if isinstance(group, NodeGroup) and may_handle_node_group(requester, GroupAction.OWN, group)[0]:
            owned[group_id] = group
    return owned


def require_account(principal: Principal, *, while_deleting: bool = False) -> None:
    """A signed-in user is someone only while its account is: a caller whose users row is gone (an
    account deleted, `domain.accounts.delete_account`) or whose deletion has begun is refused with
    a 401 before anything is read or written for it, although its access token stays valid until
    it expires (API Gateway's JWT authorizer checks only signature and expiry). `while_deleting`:
    the deletion route itself, which may finish a deletion that stopped half-way. One consistent
    GetItem (`Route.checks_account`: every route a user may call)."""
    from nodeshare.store import users as user_store

    state = user_store.account_state(principal.user_id)
    if state is user_store.AccountState.GONE or (
        state is user_store.AccountState.DELETING and not while_deleting
    ):
        raise Unauthenticated("Unauthorized")


def require_operator(principal: Principal) -> None:
    """Where a route may be called from (`Route.caller`): operator-only routes, before any input
    is read."""
    if not principal.is_operator:
        raise OperatorOnly("Only operators may do this")


def may_act_as_thing(thing: Thing, node: Node | None) -> bool:
    """A thing acts on its own node alone, with a token issued under the node's current secret
    (rotating the secret ends every earlier token at once). Reporting config, params,
    connectivity or a factory reset is all a thing may do, and all of it is the node's own."""
    return node is not None and node.node_id == thing.node_id and node.secret_version == thing.secret_version


def authorize_thing(thing: Thing, node_id: str) -> Node:
    """The node a device route names, read once, if `thing` may act on it; a token for another
    node is refused before anything is read (403), a token the node no longer honours (a rotated
    secret, a deleted node) as unauthenticated (401). The write that follows is conditioned on
    the same secret version (`store.nodes.report`)."""
    if thing.node_id != node_id:
        raise AccessDenied("A thing token acts only on its own node")
    from nodeshare.store import nodes as node_store

    node = node_store.get(node_id)
    if not may_act_as_thing(thing, node) or node is None:
        raise Unauthenticated("Thing token is no longer valid")
    return node


def may_see_mapping(principal: Principal, mapping: MappingRequest | None) -> bool:
    """A mapping request is its requester's alone (anyone else's answers like a missing one)."""
    return mapping is not None and mapping.user_id == principal.user_id


def authorize_mapping(principal: Principal, request_id: str, now: int) -> MappingRequest:
    """A mapping request, for its requester; anyone else's is refused exactly like a missing one."""
    from nodeshare.store import mappings as mapping_store

    mapping = mapping_store.get(request_id, now) if MAPPING_ID_PATTERN.fullmatch(request_id) else None
    if not may_see_mapping(principal, mapping) or mapping is None:
        raise RequestNotFound(f"Mapping request {request_id} not found")
    return mapping


def speaks_for(principal: Principal, owner: OwnerRef, facts: NodeFacts) -> bool:
    """The principal is the user `owner` names, or a member now of the group it names (Kii: who
    may ask about, give up, or take part in a PIN flow for that owner)."""
    if owner.kind is OwnerKind.USER:
        return owner.id == principal.user_id
    return owner.id in facts.user_groups


def is_owner(owner: OwnerRef, node: Node) -> bool:
    """`owner` owns the node: its primary, or an owner group of its current epoch."""
    if owner.kind is OwnerKind.USER:
        return node.primary_user_id == owner.id
    return owner.id in node.current_owner_groups


def may_ask_about_owner(principal: Principal, owner: OwnerRef, facts: NodeFacts) -> bool:
    """Kii's visibility of an ownership check: operators ask about anyone, a user about itself
    and the groups it belongs to (the thing about anyone: `may_act_as_thing`)."""
    return principal.is_operator or speaks_for(principal, owner, facts)


def owner_facts(
    principal: Principal, node_id: str, *, user_rows: Sequence[str] = ()
) -> tuple[NodeFacts, access.Facts]:
    """The decision's facts about the principal and the node (two round trips), for the ownership
    questions above: as `decide` sees them, and as loaded (with the `user_rows` asked for)."""
    facts = access.load_for_decision(principal.user_id, [node_id], (), user_rows)
    return node_facts(principal.user_id, node_id, facts), facts


def authorize_owner_check(principal: Principal, owner: OwnerRef, node_id: str, now: int) -> bool:
    """Whether `owner` owns the node, for a caller who may ask; anyone else (and a missing node)
    gets the 404 a non-owner gets, so the answer reveals nothing more."""
    facts, _ = owner_facts(principal, node_id)
    may_ask = may_ask_about_owner(principal, owner, facts)
    if facts.node is None or not may_ask:
        raise NodeNotFound(f"{owner} does not own node {node_id}")
    return is_owner(owner, facts.node)


def authorize_pin_start(principal: Principal, owner: OwnerRef, node_id: str) -> Node | None:
    """The node (None when there is none) for a user starting a PIN flow for `owner`: itself or a
    group it belongs to now; else refused like a missing group (404)."""
    facts, _ = owner_facts(principal, node_id)
    if not speaks_for(principal, owner, facts):
        raise GroupNotFound(f"{owner} is not the caller or a group of the caller's")
    return facts.node


def pin_taker(taker: Principal, owner: OwnerRef, node_id: str, now: int) -> tuple[Node, access.Facts] | None:
    """When a PIN is confirmed: the node and the loaded facts (with the taker's row) if `taker`
    still speaks for `owner` and may take the node over by the node's participation
    (`Action.PROVISION`: its scopes); else None (SPEC §2 rule 8)."""
    facts, loaded = owner_facts(taker, node_id, user_rows=[taker.user_id])
    node = facts.node
    if node is None or not speaks_for(taker, owner, facts):
        return None
    return (node, loaded) if decide(taker, Action.PROVISION, facts, now).allowed else None


def authorize_owner_removal(principal: Principal, owner: OwnerRef, node_id: str, now: int) -> Node:
    """The node, if `owner` owns it and the caller may give that ownership up: itself (a primary),
    a group it is a member of, or, for operators, anyone; else the same 404."""
    facts, _ = owner_facts(principal, node_id)
    node, may_ask = facts.node, may_ask_about_owner(principal, owner, facts)
    if node is None or not may_ask or not is_owner(owner, node):
        raise NodeNotFound(f"{owner} does not own node {node_id}")
    return node


def may_handle_role(principal: Principal, role: RoleDefinition | None) -> bool:
    """Roles are their owner's alone (Symphony's roles are private to the primary who made them),
    operators included."""
    return role is not None and role.owner_user_id == principal.user_id


def authorize_role(principal: Principal, role_id: str) -> RoleDefinition:
    """A role, for its owner; anyone else's is refused exactly like a missing one (SPEC §2.4)."""
    from nodeshare.store import roles as role_store

    role = role_store.get(role_id) if ROLE_ID_PATTERN.fullmatch(role_id) else None
    if not may_handle_role(principal, role) or role is None:
        raise RoleNotFound(f"Role {role_id} not found")
    return role


def authorize_roles(principal: Principal, role_ids: Sequence[str]) -> list[RoleDefinition]:
    """Every named role, in one BatchGetItem, if the caller owns each; the first it does not own
    (or that is missing) is refused like a missing one, as `authorize_role` refuses it."""
    valid = [role_id for role_id in role_ids if ROLE_ID_PATTERN.fullmatch(role_id)]
    found = access.batch_get_groups(valid) if valid else {}
    roles = []
    for role_id in role_ids:
        item = found.get(role_id)
        role = item if isinstance(item, RoleDefinition) else None
        if not may_handle_role(principal, role) or role is None:
            raise RoleNotFound(f"Role {role_id} not found")
        roles.append(role)
    return roles


def decide_actions(
    principal: Principal, node_id: str, now: int, action_ids_of: Callable[[Node], Sequence[str]]
) -> tuple[Node, dict[str, bool]]:
    """The node, and whether the caller may run each of its actions (`action_ids_of(node)`) now:
    one load, one decision each. A caller who may not see the node gets `NodeNotFound`, as for a
    missing node."""
    facts = node_facts(principal.user_id, node_id, access.load_for_decision(principal.user_id, [node_id]))
    if not decide(principal, Action.READ, facts, now).visible or facts.node is None:
        raise NodeNotFound(f"Node {node_id} not found")
    return facts.node, {
        action: decide(principal, Action.RUN, facts, now, action).allowed
        for action in action_ids_of(facts.node)
    }


def decide_product(principal: Principal, product: Product | None, projects: frozenset[str]) -> bool:
    """Pure: may the principal see the product? Operators see every product (they manage them);
    anyone else a product in its scopes — its id, `all`, or one of its `projects` (its user row's)
    — as a claim's scope rule (`_claim`). A missing product is seen by no one."""
    if product is None:
        return False
    return principal.is_operator or in_scope(product.scopes, principal.user_id, projects)


def authorize_products(
    principal: Principal, product_ids: Sequence[str]
) -> tuple[list[Product], frozenset[str]]:
    """The named products the caller may see now, in the order named (the others left out), and
    the caller's projects, loaded in one BatchGetItem with them (`access.load_for_products`)."""
    user, found = access.load_for_products(principal.user_id, product_ids)
    projects = user.project_ids if user else frozenset()
    visible = [
        product
        for product_id in dict.fromkeys(product_ids)
        if decide_product(principal, product := found.get(product_id), projects) and product is not None
    ]
    return visible, projects


def authorize_product(principal: Principal, product_id: str) -> Product:
    """The product, if the caller may see it; anyone else gets `ProductNotFound`, exactly as for a
    missing product."""
    visible, _ = authorize_products(principal, [product_id])
    if not visible:
        raise ProductNotFound(f"Product {product_id} not found")
    return visible[0]
