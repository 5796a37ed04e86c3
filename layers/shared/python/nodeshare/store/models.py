"""pynamodb models: the single definition of every table.

The CDK stack (`infra/tables.py`) and the local stack (`nodeshare.local.emulator`) both build
their tables from `TABLES` below, so the deployed and the local schema cannot drift. The key
design — and which request path uses which key or index — is documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from nodeshare.settings import settings
from nodeshare.store.clients import ClientTimeouts

PAY_PER_REQUEST = "PAY_PER_REQUEST"
# Every node item carries this constant so one index lists all nodes for operators without a scan.
NODE_CATALOG = "node"


class NodesByCatalog(GlobalSecondaryIndex["NodeModel"]):
    """Operators' list of every node, in node_id order (`GET /v1/admin/nodes`).

    Keys only: its one reader needs whole items (config, params), which it reads by key after the
    Query (`store.nodes.list_page`: BatchGetItems of the node and config items of a page).
    Projecting more would copy every node write into the index: a params write would pay its
    item's size twice."""

    class Meta:
        index_name = "by_catalog"
        projection = KeysOnlyProjection()

    catalog = UnicodeAttribute(hash_key=True)
    node_id = UnicodeAttribute(range_key=True)


class NodeModel(Model):
    """One item per node. `epoch` and `primary_user_id` are the truth about ownership.

    Its config is not here but in its own item (`NodeConfigModel`), so that the frequent writes
    of this item (params writes, each a TransactWriteItems with its archive record; a thing's
    reports) are billed by the size of what changes with them, not of the config: DynamoDB bills
    a write of an item by the item's whole size (the larger of before and after, 1 KB a write
    unit, twice in a transaction), however little of it the write changes. The config is written
    rarely (registration, an operator's change, a thing's report of it), always in a transaction
    with this item, which moves `access_version` (params checked against the old config are
    refused); every read of a node reads both items in the same BatchGetItem. `python -m bench
    writes` shows a params write's units for a small and a large config (README, "Cost").

    `secondary_user_ids` copies who the current epoch's secondaries are from their association
    rows, and is written in the same transaction as each of them (claim and release clear it,
    accepting adds to it, removing a secondary deletes from it). It exists so that listing the
    users of many nodes is a BatchGetItem of known association keys, not a Query per node; the
    association rows stay the truth about role and level.

    `rwp_user_ids` is the same kind of copy for the secondaries whose association is `rwp`
    (accepting, re-levelling, removing and transferring write it beside the row). The decision
    reads it with the node to check that whoever a source was granted through still holds `rwp`
    (`domain.authorization.holds_authority`), so it never reads the grantors' rows: the decision
    stays at two round trips however many users granted the caller something.
    """

    class Meta(ClientTimeouts):
        table_name = settings().nodes_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    node_id = UnicodeAttribute(hash_key=True)
    catalog = UnicodeAttribute(default=NODE_CATALOG)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    params = MapAttribute()  # type: ignore[var-annotated]
    tags = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    scopes = MapAttribute(default=dict)  # type: ignore[var-annotated]
    epoch = NumberAttribute(default=0)
    primary_user_id = UnicodeAttribute(null=True)
    secondary_user_ids = UnicodeSetAttribute(null=True)  # absent when empty (DynamoDB has no empty set)
    rwp_user_ids = UnicodeSetAttribute(null=True)  # likewise
    connected = BooleanAttribute(default=False)
    connectivity_timestamp_ms = NumberAttribute(default=0)
    created_at = NumberAttribute()
    # Grants on this node by subject ("user:<id>" / "group:<id>"): {level, epoch, granted_by,
    # created_at}. On the node item so the decision reads them with the node, in one round trip.
    grants = MapAttribute(null=True)  # type: ignore[var-annotated]
    # Moves with every change to who may do what on the node within an epoch (a secondary
    # added, removed or re-levelled, a grant set or removed), so a write allowed by the access
    # read is conditioned on this one attribute of the node item instead of on every row behind it.
    access_version = NumberAttribute(default=0)
    # The node groups holding this node: group_id -> {"owner": owner's user id, "epoch": the node's
    # epoch when it was added}, written with the group's `node_ids` in one transaction, so the
    # decision finds the node's groups (and whose authority their grants rest on) with the node.
    node_groups = MapAttribute(null=True)  # type: ignore[var-annotated]
    # Free-form JSON metadata (esp-rainmaker-cli `node set-metadata`); absent when empty.
    metadata = MapAttribute(null=True)  # type: ignore[var-annotated]
    # The product (EVRYTHNG) an operator named for it: an item of the groups table; absent: none.
    product_id = UnicodeAttribute(null=True)
    # Thing tokens name the secret version they were issued under (`domain.thing_tokens`).
    secret_version = NumberAttribute(null=True)  # absent: 0
    reset_epoch = NumberAttribute(null=True)  # the epoch a factory reset was reported in
    # The user groups owning the node (Kii): group_id -> {"epoch": the node's epoch when it was
    # made an owner}. On the node item so the decision reads it with the node.
    owner_groups = MapAttribute(null=True)  # type: ignore[var-annotated]
    # For the stream filter alone (`store.stream_filters`): set by every write that may change
    # what the cascade acts on (epoch, primary, owner groups, scopes), removed by params and
    # connectivity writes, so those never invoke the stream processor. Absent: not set since.
    cascade_hint = BooleanAttribute(null=True)
    # The config as items written before it had an item of its own held it: read only when the
    # node has no config item (`store.access.nodes_from`), removed when the config is next written
    # (`store.nodes._write_with_config`), so an upgrade leaves no node without its config.
    config_before_its_own_item = MapAttribute(attr_name="config", null=True)  # type: ignore[var-annotated]

    by_catalog = NodesByCatalog()


class NodeConfigModel(Model):
    """A node's config (the RainMaker node config: info, devices, their params' definitions), in
    an item of its own beside the node item (see `NodeModel`, why): created with the node, replaced
    in the transaction that moves the node's `access_version`, read with the node item."""

    class Meta(ClientTimeouts):
        table_name = settings().configs_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    node_id = UnicodeAttribute(hash_key=True)
    config = MapAttribute()  # type: ignore[var-annotated]


class AssociationsByUser(GlobalSecondaryIndex["AssociationModel"]):
    """A user's nodes in node_id order (`GET /v1/user/nodes` and its `start_id` paging)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    node_id = UnicodeAttribute(range_key=True)


class AssociationModel(Model):
    """One item per (node, user): the primary and every secondary, with the epoch it was made in."""

    class Meta(ClientTimeouts):
        table_name = settings().associations_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    node_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    user_name = UnicodeAttribute()
    role = UnicodeAttribute()
    level = UnicodeAttribute()
    epoch = NumberAttribute()
    created_at = NumberAttribute()
    # Empty when the primary shared; else who shared and the chain its authority came through.
    granted_by = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    # RainMaker's sub-role (1-4) from the share request; a label for apps, never a level.
    sub_role = NumberAttribute(null=True)

    by_user = AssociationsByUser()


class UsersByName(GlobalSecondaryIndex["UserModel"]):
    """Find a user by e-mail, for sharing."""

    class Meta:
        index_name = "by_user_name"
        projection = AllProjection()

    user_name = UnicodeAttribute(hash_key=True)


class UserModel(Model):
    """The users nodeshare knows, keyed by the stable `user_id` (the Cognito `sub`)."""

    class Meta(ClientTimeouts):
        table_name = settings().users_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    user_id = UnicodeAttribute(hash_key=True)
    user_name = UnicodeAttribute()
    created_at = NumberAttribute()
    # The user groups this user is a member of, written with the group's `members` in one
    # transaction, so the decision reads them with the user's other facts.
    group_ids = UnicodeSetAttribute(null=True)
    # The targets ("node:<id>", "node_group:<id>") granted to this user, written with each grant:
    # the subject side of grants, for listing what a user reaches (the target holds the truth).
    granted_targets = UnicodeSetAttribute(null=True)
    # Roles assigned to this user, by assigner: {assigner user id: {"role_ids": [...], "at": s}}.
    # On the user's row so the decision reads them in its first round trip.
    role_assignments = MapAttribute(null=True)  # type: ignore[var-annotated]
    # The projects this user is in, written with the project's `user_ids` in one transaction (and
    # taken off when the project is deleted, in the transaction that deletes it): the truth about
    # membership, on the user's row so the decision reads it in its first round trip.
    project_ids = UnicodeSetAttribute(null=True)
    # When the account's deletion began (`domain.accounts.delete_account`): from then on its
    # tokens are refused everywhere but on the deletion route, which may finish it.
    deleting_at = NumberAttribute(null=True)

    by_user_name = UsersByName()


class PendingByInvitee(GlobalSecondaryIndex["RequestModel"]):
    """Pending requests a user has received, to answer. Sparse: `pending_invitee` is removed once
    answered, and is never set for an e-mail without an account (such a request can never be
    accepted). A share request is keyed by the invitee's user id; a permission request by
    "permission:<approver's user id>" and a group share request by "group_share:<invitee's user
    id>", so each kind lists apart without an index of its own."""

    class Meta:
        index_name = "pending_by_invitee"
        projection = AllProjection()

    pending_invitee = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class PendingByRequester(GlobalSecondaryIndex["RequestModel"]):
    """Pending requests a user has sent. Sparse, like `pending_by_invitee`, and keyed the same way
    (a permission request by "permission:<requester's user id>")."""

    class Meta:
        index_name = "pending_by_requester"
        projection = AllProjection()

    pending_requester = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class RequestLinesByNode(GlobalSecondaryIndex["RequestModel"]):
    """The request lines of a node, so the cascade can drop them when the node's epoch changes."""

    class Meta:
        index_name = "by_node"
        projection = KeysOnlyProjection()

    node_id = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


REQUEST_HEADER = "request"
LINE_PREFIX = "node#"


class RequestModel(Model):
    """Share, permission and mapping requests and PIN codes: everything that expires.

    A request is a header item (`sk` = "request") and, for requests about nodes, one line item
    per node (`sk` = "node#<node_id>"), which only indexes the request by node for the cascade;
    the header's `node_epochs` is what accepting checks. `expires_at` (epoch seconds) is the TTL
    attribute; DynamoDB deletes expired items days late, so every read and every condition also
    checks it (SPEC §2.2).
    """

    class Meta(ClientTimeouts):
        table_name = settings().requests_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    request_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute()
    # header
    kind = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    requester_user_id = UnicodeAttribute(null=True)
    requester_user_name = UnicodeAttribute(null=True)
    invitee_user_name = UnicodeAttribute(null=True)
    invitee_user_id = UnicodeAttribute(null=True)
    node_epochs = MapAttribute(null=True)  # type: ignore[var-annotated]
    level = UnicodeAttribute(null=True)
    transfer = BooleanAttribute(null=True)
    new_role = UnicodeAttribute(null=True)
    metadata = MapAttribute(null=True)  # type: ignore[var-annotated]
    created_at = NumberAttribute(null=True)
    pending_invitee = UnicodeAttribute(null=True)
    pending_requester = UnicodeAttribute(null=True)
    # header of a PIN (Kii): whom it makes an owner ("user:<id>" / "group:<id>"), who started it
    owner = UnicodeAttribute(null=True)
    started_by_thing = BooleanAttribute(null=True)
    # The node a PIN or a mapping request is about: not `node_id`, which puts an item in the
    # `by_node` index of share-request lines, which the epoch cascade walks.
    thing_id = UnicodeAttribute(null=True)
    # line
    node_id = UnicodeAttribute(null=True)
    epoch = NumberAttribute(null=True)
    # header: RainMaker's sub-role (1-4) for the invitee
    sub_role = NumberAttribute(null=True)
    # header of a permission request: the node's primary when asked (absent: nobody may answer),
    # when it was answered, and the level granted on accept (the approver may lower the level)
    approver_user_id = UnicodeAttribute(null=True)
    answered_at = NumberAttribute(null=True)
    granted_level = UnicodeAttribute(null=True)
    # header of a group share request: its node groups, in the order given, and their names then
    group_ids = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    group_names = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    # `kind`="attempts" (`store.attempts`): failed attempts counted in one window
    failures = NumberAttribute(null=True)
    # `kind`="retry" (`store.requests.create_once`): the request a create with this content made
    made_request_id = UnicodeAttribute(null=True)

    pending_by_invitee = PendingByInvitee()
    pending_by_requester = PendingByRequester()
    by_node = RequestLinesByNode()


class GroupsByOwner(GlobalSecondaryIndex["GroupModel"]):
    """The groups a user owns, in group_id order (`GET /v1/user/groups`, `GET /v1/user/node_group`)."""

    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_user_id = UnicodeAttribute(hash_key=True)
    group_id = UnicodeAttribute(range_key=True)


USER_GROUP, NODE_GROUP, ROLE, PROJECT, PRODUCT = "user", "node", "role", "project", "product"
# Projects and products belong to the deployment, not to one operator: their `owner_user_id` is
# one of these constants (never a user id, which is a UUID), so the `by_owner` index lists every
# project, or every product, in id order.
PROJECT_OWNER = "project"
PRODUCT_OWNER = "product"


class GroupModel(Model):
    """User groups and node groups (BuildingDepot user / sensor groups, RainMaker node groups).

    A user group holds its `members` (e-mail -> {user_id, manager}); each member's user item
    names the group in `group_ids`, written in the same transaction. A node group holds its
    `node_ids` (each node item names the group in `node_groups`, same transaction) and the grants
    made on it (`grants`, subject -> {level, granted_by, created_at}). Deleting a group deletes
    this item: from then on nothing counts through it; the stream tidies the members' items.

    Projects (EVRYTHNG, `kind` = "project") live here too, under the owner `PROJECT_OWNER`;
    their `user_ids` mirror the users' rows' `project_ids`, which the decision reads.

    Products (EVRYTHNG, `kind` = "product") too, under the owner `PRODUCT_OWNER`, with their
    `properties` and `scopes`; the stream processor keeps their entries in the discovery table.

    Roles (Symphony) live here too (`kind` = "role", id "rl-…"): owned like groups, listed by the
    same index, and read by the decision in the same round trip as the caller's groups. Their
    `permissions` map permission id -> {thing_id | action_id, policy, terms, created_at}.
    """

    class Meta(ClientTimeouts):
        table_name = settings().groups_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    group_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # USER_GROUP | NODE_GROUP | ROLE | PROJECT
    owner_user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    version = NumberAttribute(default=0)  # moves with every change; edits are conditioned on it
    members = MapAttribute(null=True)  # type: ignore[var-annotated]
    node_ids = UnicodeSetAttribute(null=True)
    grants = MapAttribute(null=True)  # type: ignore[var-annotated]
    granted_targets = UnicodeSetAttribute(null=True)  # user groups: what is granted to the group
    # RainMaker node_group fields
    custom_data = MapAttribute(null=True)  # type: ignore[var-annotated]
    group_type = UnicodeAttribute(null=True)
    mutually_exclusive = BooleanAttribute(null=True)
    parent_group_id = UnicodeAttribute(null=True)
    tag = UnicodeAttribute(null=True)
    # Symphony roles
    permissions = MapAttribute(null=True)  # type: ignore[var-annotated]
    # EVRYTHNG projects: their users by id (each user's row names the project, same transaction)
    user_ids = UnicodeSetAttribute(null=True)
    # EVRYTHNG products: their properties and scopes (`{users: [...], projects: [...]}`, lists)
    properties = MapAttribute(null=True)  # type: ignore[var-annotated]
    scopes = MapAttribute(null=True)  # type: ignore[var-annotated]
    updated_at = NumberAttribute(null=True)

    by_owner = GroupsByOwner()


class ArchiveModel(Model):
    """The params archive: one item per params write or correction of a node (SPEC §3.2, Symphony's
    archive), in the node's partition and ordered by time.

    `record_id` is "<time in ms, 13 digits>-<12 random hex digits>": sorted by time, unique however
    many writes share a millisecond, and the id a page of history is continued from (`start_id`;
    nothing in it needs escaping in a URL).
    A params write saves its record in the transaction that writes the node item
    (`store.nodes.write_params`). `epoch` is the node's when the record was made: only the current
    epoch's records are listed, so a new primary starts with an empty archive. `expires_at` (epoch
    seconds) is the TTL attribute, `ARCHIVE_RETENTION_SECONDS` after the time recorded; DynamoDB
    deletes expired items days late, so every read also filters on it (SPEC §2.2).
    """

    class Meta(ClientTimeouts):
        table_name = settings().archive_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    node_id = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)
    timestamp_ms = NumberAttribute()
    epoch = NumberAttribute()
    kind = UnicodeAttribute()  # "write" | "correction"
    user_id = UnicodeAttribute()  # the writer
    user_name = UnicodeAttribute(null=True)  # the writer's e-mail, when known
    params = MapAttribute()  # type: ignore[var-annotated]  # {device: {param: value}} as sent
    expires_at = NumberAttribute()


class DiscoveryModel(Model):
    """Scoped discovery (`GET /v1/things`): one item per (scope entry, unclaimed node), so the nodes
    a user may discover are a Query per scope entry of theirs ("user:<id>", "user:all",
    "project:all", "project:<id>" for each of its projects), in node id order, never a Scan.

    A copy, kept by the stream processor from the node items (`store.discovery.reindex`): a node
    nobody owns has an entry per entry of its scopes, a claimed node none. The decision stays the
    truth: listing keeps only the nodes it lets the caller claim now.

    Products (`GET /v1/products`) have entries of their own, in partitions prefixed "product/"
    ("product/user:<id>", "product/project:<id>", ...), with the product id in `node_id`: one per
    scope entry of every product (`store.discovery.reindex_product`, from the groups table's
    stream), so the same Queries find them without a table or an index more.
    """

    class Meta(ClientTimeouts):
        table_name = settings().discovery_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    scope = UnicodeAttribute(hash_key=True)
    node_id = UnicodeAttribute(range_key=True)


@dataclass(frozen=True)
class TableDefinition:
    """What the CDK stack and the local stack need to know about a table beyond its keys."""

    name: str  # logical name: construct id, settings field and env var prefix
    model: type[Model]
    stream: bool  # streams (new and old images) where cascades start
    ttl_attribute: str | None = None

    @property
    def env_var(self) -> str:
        return f"{self.name.upper()}_TABLE"

    @property
    def has_indexes(self) -> bool:
        """Global secondary indexes, which IAM grants as `<table ARN>/index/*`."""
        return bool(self.model._get_schema()["global_secondary_indexes"])


TABLES: tuple[TableDefinition, ...] = (
    TableDefinition("nodes", NodeModel, stream=True),
    TableDefinition("associations", AssociationModel, stream=False),
    TableDefinition("users", UserModel, stream=False),
    TableDefinition("requests", RequestModel, stream=True, ttl_attribute="expires_at"),
    TableDefinition("groups", GroupModel, stream=True),
    TableDefinition("archive", ArchiveModel, stream=False, ttl_attribute="expires_at"),
    TableDefinition("discovery", DiscoveryModel, stream=False),
    TableDefinition("configs", NodeConfigModel, stream=False),
)
