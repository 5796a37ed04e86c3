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
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from nodeshare.settings import settings

PAY_PER_REQUEST = "PAY_PER_REQUEST"
# Every node item carries this constant so one index lists all nodes for operators without a scan.
NODE_CATALOG = "node"


class NodesByCatalog(GlobalSecondaryIndex["NodeModel"]):
    """Operators' list of every node, in node_id order (`GET /v1/admin/nodes`)."""

    class Meta:
        index_name = "by_catalog"
        projection = AllProjection()

    catalog = UnicodeAttribute(hash_key=True)
    node_id = UnicodeAttribute(range_key=True)


class NodeModel(Model):
    """One item per node. `epoch` and `primary_user_id` are the truth about ownership."""

    class Meta:
        table_name = settings().nodes_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    node_id = UnicodeAttribute(hash_key=True)
    catalog = UnicodeAttribute(default=NODE_CATALOG)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    config = MapAttribute()  # type: ignore[var-annotated]
    params = MapAttribute()  # type: ignore[var-annotated]
    tags = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    scopes = MapAttribute(default=dict)  # type: ignore[var-annotated]
    epoch = NumberAttribute(default=0)
    primary_user_id = UnicodeAttribute(null=True)
    connected = BooleanAttribute(default=False)
    connectivity_timestamp_ms = NumberAttribute(default=0)
    created_at = NumberAttribute()

    by_catalog = NodesByCatalog()


class AssociationsByUser(GlobalSecondaryIndex["AssociationModel"]):
    """A user's nodes in node_id order (`GET /v1/user/nodes` and its `start_id` paging)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    node_id = UnicodeAttribute(range_key=True)


class AssociationModel(Model):
    """One item per (node, user): the primary and every secondary, with the epoch it was made in."""

    class Meta:
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

    by_user = AssociationsByUser()


class UsersByName(GlobalSecondaryIndex["UserModel"]):
    """Find a user by e-mail, for sharing."""

    class Meta:
        index_name = "by_user_name"
        projection = AllProjection()

    user_name = UnicodeAttribute(hash_key=True)


class UserModel(Model):
    """The users nodeshare knows, keyed by the stable `user_id` (the Cognito `sub`)."""

    class Meta:
        table_name = settings().users_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    user_id = UnicodeAttribute(hash_key=True)
    user_name = UnicodeAttribute()
    created_at = NumberAttribute()

    by_user_name = UsersByName()


class RequestsByInvitee(GlobalSecondaryIndex["RequestModel"]):
    """Requests a user has received, newest id order."""

    class Meta:
        index_name = "by_invitee"
        projection = AllProjection()

    invitee_user_name = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class RequestsByRequester(GlobalSecondaryIndex["RequestModel"]):
    """Requests a user has sent."""

    class Meta:
        index_name = "by_requester"
        projection = AllProjection()

    requester_user_id = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class RequestsByNode(GlobalSecondaryIndex["RequestModel"]):
    """Pending requests of a node, so the cascade can drop them when its epoch changes."""

    class Meta:
        index_name = "by_node"
        projection = KeysOnlyProjection()

    node_id = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class RequestModel(Model):
    """Share, permission and mapping requests and PIN codes: everything that expires.

    `expires_at` (epoch seconds) is the table's TTL attribute; DynamoDB deletes expired items
    days late, so every read and every condition also checks it (SPEC §2.2).
    """

    class Meta:
        table_name = settings().requests_table
        region = settings().region
        billing_mode = PAY_PER_REQUEST

    request_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    node_id = UnicodeAttribute(null=True)
    invitee_user_name = UnicodeAttribute(null=True)
    requester_user_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    expires_at = NumberAttribute()
    created_at = NumberAttribute()

    by_invitee = RequestsByInvitee()
    by_requester = RequestsByRequester()
    by_node = RequestsByNode()


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


TABLES: tuple[TableDefinition, ...] = (
    TableDefinition("nodes", NodeModel, stream=True),
    TableDefinition("associations", AssociationModel, stream=False),
    TableDefinition("users", UserModel, stream=False),
    TableDefinition("requests", RequestModel, stream=True, ttl_attribute="expires_at"),
)
