"""Plain records the domain works with. The store builds them from DynamoDB items."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nodeshare.model.levels import Level


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the JWT authorizer vouched for it."""

    user_id: str
    user_name: str  # the e-mail address
    is_operator: bool = False


@dataclass(frozen=True)
class Thing:
    """A node calling with its thing token (`domain.thing_tokens`), as the thing authorizer vouched
    for it: the node it is, and the secret version its token was issued under."""

    node_id: str
    secret_version: int


class OwnerKind(StrEnum):
    USER = "user"
    GROUP = "group"


@dataclass(frozen=True)
class OwnerRef:
    """Who an ownership question or PIN is about, as Kii writes it: `user:<id>` or `group:<id>`."""

    kind: OwnerKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True)
class Pin:
    """A PIN of a Kii ownership flow: started by a user (the thing confirms) or by the thing (the
    named user, or a member of the named group, confirms); bound to the node's epoch then."""

    node_id: str
    code: str
    owner: OwnerRef
    started_by_thing: bool
    requester_user_id: str  # the user who started it ("" when the thing did)
    epoch: int
    expires_at: int


class MappingStatus(StrEnum):
    """RainMaker's user-node mapping request states (`GET /v1/user/nodes/mapping`)."""

    REQUESTED = "requested"  # the user asked; the node has not confirmed yet
    OFFERED = "offered"  # the node confirmed first; the user's request completes it
    CONFIRMED = "confirmed"  # the user became primary
    DISCARDED = "discarded"  # refused when answered (the user may not claim the node)
    TIMEDOUT = "timedout"  # not confirmed in time (never stored: an expired request reads so)


@dataclass(frozen=True)
class MappingRequest:
    """A provisioning request: `user_id` asks to become primary of `node_id`, and the node
    confirms with the same secret key (`domain.mappings`)."""

    request_id: str
    node_id: str
    user_id: str
    status: MappingStatus
    expires_at: int


class Role(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Connectivity:
    connected: bool = False
    timestamp_ms: int = 0


@dataclass(frozen=True)
class Node:
    node_id: str
    name: str
    type: str
    config: dict[str, Any]
    params: dict[str, dict[str, Any]]
    epoch: int
    primary_user_id: str | None = None
    secondary_user_ids: frozenset[str] = frozenset()  # the current epoch's secondaries
    rwp_user_ids: frozenset[str] = frozenset()  # those of them whose association is `rwp`
    secret_hash: str = ""
    tags: tuple[str, ...] = ()
    scopes: dict[str, list[str]] = field(default_factory=dict)
    connectivity: Connectivity = Connectivity()
    created_at: int = 0
    grants: tuple[Grant, ...] = ()  # grants whose target is this node (BuildingDepot permissions)
    access_version: int = 0  # moves with every change of access within the epoch
    node_groups: tuple[NodeGroupMembership, ...] = ()  # the node groups holding the node
    # Free-form JSON set by the primary or an `rwp` user (esp-rainmaker-cli `node set-metadata`),
    # checked by `domain.stored_json.check_storable`.
    metadata: dict[str, Any] = field(default_factory=dict)
    product_id: str | None = None  # the product it is one of (EVRYTHNG), named by an operator
    # Moves when an operator sets a new secret: thing tokens carry the version they were issued
    # under, and device routes refuse any other (`authorization.authorize_thing`).
    secret_version: int = 0
    # The epoch under which the node itself last reported a factory reset (with its token): a
    # password claim may then replace its primary (SPEC §2.10, `authorization.decide`'s claim).
    reset_epoch: int | None = None
    # The user groups that own the node (Kii), each under the epoch it was made an owner in.
    owner_groups: tuple[OwnerGroup, ...] = ()

    @property
    def current_owner_groups(self) -> tuple[str, ...]:
        """The owner groups made under the node's current epoch (earlier ones count for nothing)."""
        return tuple(owner.group_id for owner in self.owner_groups if owner.epoch == self.epoch)

    @property
    def owned(self) -> bool:
        """Someone owns the node: a primary, or a current owner group."""
        return self.primary_user_id is not None or bool(self.current_owner_groups)


# Who made a grant, and on whose authority: empty when the primary made it (the node's epoch
# guards that); else the grantor's user id followed by the chain its own authority came through.
GrantedBy = tuple[str, ...]


@dataclass(frozen=True)
class Association:
    """A user's link to a node, made under the node's `epoch` at the time."""

    node_id: str
    user_id: str
    user_name: str
    role: Role
    level: Level
    epoch: int
    created_at: int = 0
    granted_by: GrantedBy = ()
    sub_role: int | None = None  # RainMaker's app-defined sub-role 1-4 (see `domain.sharing`)


USER_SUBJECT, GROUP_SUBJECT = "user:", "group:"


@dataclass(frozen=True)
class Grant:
    """A level given to a subject (`user:<id>` or `group:<id>`) on a node, under its epoch, or on
    a node group (epoch None: each member node counts under the epoch it was added in)."""

    subject: str
    level: Level
    epoch: int | None
    granted_by: GrantedBy = ()
    created_at: int = 0
    # A grant on a node group made by accepting a group share request (RainMaker group sharing):
    # that request, and the share's app-defined `sub_role` and `metadata`. Its holder may leave it,
    # as a secondary leaves a shared node; other grants are removed by whoever manages them.
    request_id: str | None = None
    sub_role: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OwnerGroup:
    """A user group that owns a node (Kii's group ownership), under the node's epoch then: its
    members act as owners while that epoch holds and they belong to the group."""

    group_id: str
    epoch: int


@dataclass(frozen=True)
class NodeGroupMembership:
    """A node's place in a node group: whose group, and the node's epoch when it was added."""

    group_id: str
    owner_user_id: str
    epoch: int
    exclusive: bool = False  # the group is mutually exclusive: the node is in no other such group


@dataclass(frozen=True)
class GroupMember:
    user_id: str  # "" for an e-mail without an account: listed, never counted
    user_name: str
    manager: bool = False


@dataclass(frozen=True)
class UserGroup:
    """A named set of users, owned by its creator (BuildingDepot user group)."""

    group_id: str
    owner_user_id: str
    name: str
    description: str = ""
    members: tuple[GroupMember, ...] = ()  # by e-mail; user_id "" for an e-mail without an account
    created_at: int = 0
    version: int = 0
    granted_targets: frozenset[str] = frozenset()  # what is granted to the group ("node:<id>", …)


@dataclass(frozen=True)
class NodeGroup:
    """A named set of nodes, owned by its creator (RainMaker node_group), and the grants on it."""

    group_id: str
    owner_user_id: str
    name: str
    description: str = ""
    node_ids: frozenset[str] = frozenset()
    grants: tuple[Grant, ...] = ()
    custom_data: dict[str, Any] = field(default_factory=dict)
    type: str | None = None
    mutually_exclusive: bool = False
    parent_group_id: str | None = None
    tag: str | None = None
    created_at: int = 0
    version: int = 0


@dataclass(frozen=True)
class User:
    user_id: str
    user_name: str
    created_at: int = 0
    group_ids: frozenset[str] = frozenset()  # the user groups it is a member of
    granted_targets: frozenset[str] = frozenset()  # what is granted to the user ("node:<id>", …)
    # Roles assigned to the user, by who assigned them (a primary): narrow its access to that
    # primary's nodes (Symphony setShareUserRoles; `domain.roles`).
    role_assignments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The projects the user is in (EVRYTHNG): the truth about membership, written with the
    # project's `user_ids` in one transaction; a node scoped to one of them is in its scope.
    project_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RolePermission:
    """One permission of a role (Symphony PermissionInfo): on every action of one node
    (`thing_id`) or on one action (`action_id`, "<node id>/<action id>"), with a policy and the
    terms (`domain.terms`, as stored) while which it holds; no term: always."""

    permission_id: str
    thing_id: str | None
    action_id: str | None
    policy: str
    terms: tuple[dict[str, Any], ...] = ()
    created_at: int = 0

    @property
    def node_id(self) -> str:
        """The node the permission is on."""
        return self.thing_id or (self.action_id or "").split("/", 1)[0]


@dataclass(frozen=True)
class RoleDefinition:
    """A named set of permissions owned by a primary (Symphony RoleInfo; not to be confused with
    `Role`, a user's place on one node)."""

    role_id: str
    owner_user_id: str
    name: str
    permissions: tuple[RolePermission, ...] = ()
    created_at: int = 0
    version: int = 0


@dataclass(frozen=True)
class Project:
    """An EVRYTHNG project: a named set of users that nodes may be scoped to. The deployment's,
    not an operator's: every operator manages every project."""

    project_id: str
    name: str
    description: str = ""
    user_ids: frozenset[str] = frozenset()
    created_at: int = 0
    version: int = 0


@dataclass(frozen=True)
class Product:
    """An EVRYTHNG product: what a kind of node is (name, description, properties), scoped like a
    node: who may see it is its `scopes`. The deployment's: every operator manages every product."""

    product_id: str
    name: str
    description: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    scopes: dict[str, list[str]] = field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0
    version: int = 0


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # never stored: a pending request whose `expires_at` has passed


@dataclass(frozen=True)
class ShareRequest:
    """A primary's offer of nodes to a user (RainMaker node sharing)."""

    request_id: str
    requester_user_id: str
    requester_user_name: str
    invitee_user_name: str
    invitee_user_id: str | None  # None: no account has this e-mail; nobody can ever accept
    node_epochs: dict[str, int]  # each node's epoch when the request was made
    level: Level
    transfer: bool
    new_role: str | None
    metadata: dict[str, Any]
    status: RequestStatus
    created_at: int
    expires_at: int
    sub_role: int | None = None  # given to the invitee's association on accept (see `domain.sharing`)

    @property
    def node_ids(self) -> list[str]:
        return list(self.node_epochs)

    @property
    def answerer_user_id(self) -> str | None:
        """Who may accept or decline: the invitee (None: nobody, see `invitee_user_id`)."""
        return self.invitee_user_id

    def status_at(self, now: int) -> RequestStatus:
        """The status as of `now`: an unanswered request past `expires_at` is expired, whatever
        DynamoDB's TTL sweep (days late) has done so far (SPEC §2.2)."""
        return status_as_of(self.status, self.expires_at, now)


def status_as_of(status: RequestStatus, expires_at: int, now: int) -> RequestStatus:
    """An unanswered request is expired from the second `now` reaches its `expires_at`."""
    if status is RequestStatus.PENDING and expires_at <= now:
        return RequestStatus.EXPIRED
    return status


@dataclass(frozen=True)
class PermissionRequest:
    """A user asking a node's primary for a level on it (BuildingDepot permission request); one
    node per request (see `domain.permission_requests`)."""

    request_id: str
    requester_user_id: str
    requester_user_name: str  # the requester's e-mail
    approver_user_id: str | None  # the node's primary when asked; None: nobody can ever answer
    node_id: str
    node_epoch: int  # the node's epoch when asked: a grant is made only under this epoch
    level: Level  # the level asked for
    status: RequestStatus
    created_at: int
    expires_at: int
    answered_at: int | None = None
    granted_level: Level | None = None  # on accept: the level asked for, or the lower one granted

    @property
    def answerer_user_id(self) -> str | None:
        """Who may accept or decline: the approver."""
        return self.approver_user_id

    def status_at(self, now: int) -> RequestStatus:
        return status_as_of(self.status, self.expires_at, now)


@dataclass(frozen=True)
class GroupShareRequest:
    """A node group owner's offer of its groups to a user (RainMaker group sharing, see
    `domain.group_sharing`): accepting grants the invitee `level` on each group."""

    request_id: str
    requester_user_id: str
    requester_user_name: str
    invitee_user_name: str
    invitee_user_id: str | None  # None: no account has this e-mail; nobody can ever accept
    group_ids: tuple[str, ...]
    group_names: tuple[str, ...]  # the groups' names when the request was made
    level: Level
    metadata: dict[str, Any]
    status: RequestStatus
    created_at: int
    expires_at: int
    sub_role: int | None = None
    answered_at: int | None = None
    transfer: bool = False  # accepting hands the groups and their nodes over (`domain.group_sharing`)
    new_role: str | None = None  # with `transfer`: what the old owner becomes on each node

    @property
    def answerer_user_id(self) -> str | None:
        """Who may accept or decline: the invitee (None: nobody, see `invitee_user_id`)."""
        return self.invitee_user_id

    def status_at(self, now: int) -> RequestStatus:
        return status_as_of(self.status, self.expires_at, now)


class ArchiveKind(StrEnum):
    WRITE = "write"  # a params write, recorded in the transaction that made it
    CORRECTION = "correction"  # added to the archive afterwards (`PUT /v1/user/nodes/params/history`)
    REPORT = "report"  # values the node itself reported (`PUT /v1/things/{node_id}/params`)


@dataclass(frozen=True)
class ArchiveRecord:
    """One entry of a node's params archive (see `domain.archive`)."""

    node_id: str
    record_id: str  # "<timestamp_ms, 13 digits>-<random>": time order, unique
    timestamp_ms: int  # when the params were written (a correction: the time it corrects)
    epoch: int  # the node's epoch when it was recorded
    kind: ArchiveKind
    user_id: str  # who wrote it
    user_name: str | None  # the writer's e-mail, when known
    params: dict[str, dict[str, Any]]  # {device: {param: value}} as written
    expires_at: int  # epoch seconds: the archive's retention after `timestamp_ms`
