"""THE route table: every HTTP operation, its handler module and what it may touch.

The CDK stack makes one Lambda per route from this table (with IAM for exactly the tables and
Cognito actions listed), and the local gateway serves the same table, so they cannot drift.
A handler lives at `functions/<handler>.py` and exposes `handler(event, context)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nodeshare import schemas

NODES, ASSOCIATIONS, USERS, REQUESTS, GROUPS = "nodes", "associations", "users", "requests", "groups"
ARCHIVE = "archive"  # the params archive (`store.models.ArchiveModel`)
DISCOVERY = "discovery"  # scoped discovery's index (`store.models.DiscoveryModel`)
CONFIGS = "configs"  # nodes' configs, apart from the node items (`store.models.NodeConfigModel`)
# A node as the store reads it: its item and its config item, in one BatchGetItem.
NODE = (NODES, CONFIGS)
# What the one decision point reads (`store.access.load_for_decision`): every route that asks it
# about a node reads these.
DECISION = (*NODE, ASSOCIATIONS, USERS, GROUPS)


class Caller(StrEnum):
    """Who may call a route at all. Checked before anything else is read: a public route needs no
    token, a user route any signed-in user, an operator route a member of the `admin` group (403
    for anyone else, before the body is parsed)."""

    PUBLIC = "public"
    USER = "user"
    OPERATOR = "operator"
    # A node with a thing token for its own node (`domain.thing_tokens`): verified by the thing
    # authorizer (the stack's own JWT issuer), never by the users' one.
    THING = "thing"
    # Either: the routes both sides of a Kii ownership flow call (a PIN request or confirmation,
    # an ownership check). An HTTP API route has one authorizer, so these have a Lambda authorizer
    # (`EITHER_TOKEN_AUTHORIZER`) that verifies a user's token or a thing token, each exactly as
    # its own JWT authorizer does.
    USER_OR_THING = "user_or_thing"


PUBLIC, OPERATOR, THING, EITHER = Caller.PUBLIC, Caller.OPERATOR, Caller.THING, Caller.USER_OR_THING
# The KMS actions that sign and publish thing tokens (IAM on the thing-token key only).
SIGN, PUBLISH_KEY = "kms:Sign", "kms:GetPublicKey"
# The thing-token issuer, under the API's own URL: its discovery document and keys are routes.
THING_ISSUER_PATH = "/v1/thing-issuer"


@dataclass(frozen=True)
class Route:
    operation: str  # unique: the Lambda's name and the OpenAPI operationId
    method: str
    path: str  # API Gateway syntax: /v1/things/{node_id}/ownership
    handler: str  # module under functions/, dotted: "nodes.get_node_params"
    summary: str
    caller: Caller = Caller.USER  # who may call it (public routes have no JWT authorizer)
    reads: tuple[str, ...] = ()  # tables it reads
    writes: tuple[str, ...] = ()  # tables it writes (and reads)
    cognito: tuple[str, ...] = ()  # Cognito admin actions it calls (IAM); public client APIs need none
    kms: tuple[str, ...] = ()  # KMS actions it calls on the thing-token key (IAM)
    body: dict[str, Any] | None = None  # the JSON Schema its body is validated against
    query: tuple[str, ...] = ()  # the query parameters it reads (for the OpenAPI document)
    # Callable by an account whose deletion has begun (the deletion route: it may finish it);
    # every other route refuses it (`Route.checks_account`).
    while_deleting: bool = False
    # False: callable without a users row (logging out, which revokes and creates nothing).
    needs_account: bool = True

    @property
    def public(self) -> bool:
        """No JWT authorizer (SPEC §3.1 names the public routes)."""
        return self.caller is Caller.PUBLIC

    @property
    def checks_account(self) -> bool:
        """A user may call it: the endpoint reads the caller's users row first and refuses a
        caller who has none (an account deleted while its access token is still valid,
        `domain.authorization.require_account`)."""
        return self.needs_account and self.caller in (Caller.USER, Caller.OPERATOR, Caller.USER_OR_THING)

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the route touches (the users table for the account check, too)."""
        account = (USERS,) if self.checks_account else ()
        return tuple(dict.fromkeys((*self.reads, *account, *self.writes)))

    @property
    def resolver_path(self) -> str:
        """The path in Powertools' syntax (`<name>` instead of `{name}`)."""
        return self.path.replace("{", "<").replace("}", ">")


ROUTES: tuple[Route, ...] = (
    # --- meta and sign-in (RainMaker) ---
    Route("get_api_versions", "GET", "/apiversions", "meta.get_api_versions",
          "Supported API versions", caller=PUBLIC),
    Route("get_openapi", "GET", "/v1/openapi.json", "meta.get_openapi",
          "This API's OpenAPI document", caller=PUBLIC),
    Route("login", "POST", "/v1/login2", "users.login",
          "Log in with user name and password, or refresh tokens", caller=PUBLIC, body=schemas.LOGIN),
    Route("logout", "POST", "/v1/logout2", "users.logout", "Revoke the caller's refresh tokens",
          reads=(USERS,), cognito=("cognito-idp:AdminUserGlobalSignOut",), query=("logout_all",),
          needs_account=False),
    # Sign-up makes the Cognito account only; its record is the pool trigger's (USER_TRIGGER).
    Route("sign_up", "POST", "/v1/user", "users.sign_up",
          "Sign up, or confirm a sign-up with its verification code", caller=PUBLIC, body=schemas.SIGN_UP),
    # esp-rainmaker-cli 1.14.1 signs up at /v1/user2; the spec names /v1/user. Both are served.
    Route("sign_up_cli", "POST", "/v1/user2", "users.sign_up",
          "Sign up (the path esp-rainmaker-cli uses)", caller=PUBLIC, body=schemas.SIGN_UP),
    Route("get_user", "GET", "/v1/user", "users.get_user", "The caller's user info", reads=(USERS,)),
    Route("forgot_password", "PUT", "/v1/forgotpassword2", "users.forgot_password",
          "Mail a password-reset code (user_name only), or set a new password with it", caller=PUBLIC,
          body=schemas.FORGOT_PASSWORD),
    Route("delete_user", "DELETE", "/v1/user2", "users.delete_user",
          "Delete the caller's account: ?request=true mails a code, ?verification_code= deletes; its "
          "nodes are released and nothing of it keeps granting (needs the access token)",
          reads=(*DECISION, REQUESTS), writes=(NODES, ASSOCIATIONS, USERS, REQUESTS, GROUPS),
          cognito=("cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDeleteUser"),
          query=("request", "verification_code"), while_deleting=True),
    # --- operators ---
    Route("register_node", "POST", "/v1/admin/nodes", "admin.register_node",
          "Register a node (operators)", caller=OPERATOR, reads=(GROUPS,), writes=NODE,
          body=schemas.REGISTER_NODE, query=("project", "withScopes")),
    Route("list_admin_nodes", "GET", "/v1/admin/nodes", "admin.list_nodes",
          "List every node (operators)", caller=OPERATOR, reads=DECISION,
          query=("withScopes", "node_id", "nodeid", "start_id", "num_records")),
    Route("get_admin_node", "GET", "/v1/admin/nodes/{node_id}", "admin.get_node",
          "One node (operators)", caller=OPERATOR, reads=DECISION, query=("withScopes",)),
    Route("update_admin_node", "PUT", "/v1/admin/nodes/{node_id}", "admin.update_node",
          "Change a node: name, type, tags, config, params, secret, scopes (+id / -id) (operators)",
          caller=OPERATOR, reads=DECISION, writes=NODE, body=schemas.OPERATOR_UPDATE_NODE,
          query=("withScopes",)),
    Route("create_project", "POST", "/v1/admin/projects", "admin.create_project",
          "Create a project (EVRYTHNG): nodes scoped to it are in its users' scope (operators)",
          caller=OPERATOR, writes=(GROUPS,), body=schemas.CREATE_PROJECT),
    Route("list_projects", "GET", "/v1/admin/projects", "admin.list_projects",
          "Every project, in id order (operators)", caller=OPERATOR, reads=(GROUPS,),
          query=("start_id", "num_records")),
    Route("get_project", "GET", "/v1/admin/projects/{project_id}", "admin.get_project",
          "One project and its users (operators)", caller=OPERATOR, reads=(GROUPS,)),
    Route("update_project", "PUT", "/v1/admin/projects/{project_id}", "admin.update_project",
          "Rename or describe a project (operators)", caller=OPERATOR, writes=(GROUPS,),
          body=schemas.UPDATE_PROJECT),
    Route("delete_project", "DELETE", "/v1/admin/projects/{project_id}", "admin.delete_project",
          "Delete a project: its users are out of its nodes' scope on the next request (operators)",
          caller=OPERATOR, writes=(GROUPS, USERS)),
    Route("set_project_users", "PUT", "/v1/admin/projects/{project_id}/users", "admin.set_project_users",
          "Replace, add (+id) or remove (-id) a project's users by user id (operators)",
          caller=OPERATOR, reads=(USERS,), writes=(GROUPS, USERS), body=schemas.SET_PROJECT_USERS),
    Route("create_product", "POST", "/v1/admin/products", "admin.create_product",
          "Create a product (EVRYTHNG), scoped to the project given (operators)", caller=OPERATOR,
          writes=(GROUPS,), body=schemas.CREATE_PRODUCT, query=("project", "withScopes")),
    Route("list_admin_products", "GET", "/v1/admin/products", "admin.list_products",
          "Every product, in id order (operators)", caller=OPERATOR, reads=(GROUPS,),
          query=("withScopes", "start_id", "num_records")),
    Route("get_admin_product", "GET", "/v1/admin/products/{product_id}", "admin.get_product",
          "One product (operators)", caller=OPERATOR, reads=(USERS, GROUPS), query=("withScopes",)),
    Route("update_admin_product", "PUT", "/v1/admin/products/{product_id}", "admin.update_product",
          "Change a product: name, description, properties, scopes (+id / -id) (operators)",
          caller=OPERATOR, reads=(USERS,), writes=(GROUPS,), body=schemas.UPDATE_PRODUCT,
          query=("withScopes",)),
    Route("delete_admin_product", "DELETE", "/v1/admin/products/{product_id}", "admin.delete_product",
          "Delete a product (operators)", caller=OPERATOR, reads=(USERS,), writes=(GROUPS,)),
    Route("list_products", "GET", "/v1/products", "products.list_products",
          "The products in the caller's scope: scoped to it, to all, or to its projects",
          reads=(USERS, GROUPS, DISCOVERY), query=("withScopes", "start_id", "num_records")),
    # --- ownership (Kii) ---
    Route("list_things", "GET", "/v1/things", "ownership.list_things",
          "The nodes nobody owns that the caller may claim: scoped to it, to all, or to its projects",
          reads=(*DECISION, DISCOVERY), query=("start_id", "num_records", "withScopes")),
    Route("claim_node", "POST", "/v1/things/{node_id}/ownership", "ownership.claim_node",
          "Claim a node with its thing password: for the caller (userID) or a group of its (groupID)",
          reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.CLAIM_NODE),
    Route("list_owners", "GET", "/v1/things/{node_id}/ownership", "ownership.list_owners",
          "The node's owners: {users, groups} (the thing, its owners, operators)", caller=EITHER,
          reads=DECISION),
    Route("check_owner", "HEAD", "/v1/things/{node_id}/ownership/{owner}", "ownership.check_owner",
          "Whether user:<id> or group:<id> owns the node: 204 / 404 (Kii's visibility)", caller=EITHER,
          reads=DECISION),
    Route("remove_owner", "DELETE", "/v1/things/{node_id}/ownership/{owner}", "ownership.remove_owner",
          "Give up ownership: user:<own id> (a primary releases the node) or group:<a group of its>",
          reads=DECISION, writes=(NODES, ASSOCIATIONS)),
    Route("request_ownership_pin", "POST", "/v1/things/{node_id}/ownership/request/{owner}",
          "ownership.request_ownership_pin",
          "Start a PIN flow for user:<id> or group:<id>: the other side confirms the code",
          caller=EITHER, reads=DECISION, writes=(REQUESTS,)),
    Route("confirm_ownership_pin", "POST", "/v1/things/{node_id}/ownership/confirm",
          "ownership.confirm_ownership_pin", "Confirm a PIN the other side started: ownership changes",
          caller=EITHER, reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.PIN_CODE),
    # Kii's documentation spells the confirmation `cofirm`; both are served.
    Route("confirm_ownership_pin_kii", "POST", "/v1/things/{node_id}/ownership/cofirm",
          "ownership.confirm_ownership_pin", "Confirm a PIN (Kii's spelling of the path)",
          caller=EITHER, reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.PIN_CODE),
    # --- things' own credentials and device routes (the node as the caller) ---
    Route("get_thing_issuer", "GET", f"{THING_ISSUER_PATH}/.well-known/openid-configuration",
          "things.get_thing_issuer", "The thing-token issuer's OpenID discovery document", caller=PUBLIC),
    Route("get_thing_keys", "GET", f"{THING_ISSUER_PATH}/.well-known/jwks.json", "things.get_thing_keys",
          "The public keys thing tokens are signed with (JWKS)", caller=PUBLIC, kms=(PUBLISH_KEY,)),
    Route("issue_thing_token", "POST", "/v1/things/{node_id}/token", "things.issue_thing_token",
          "Exchange a node's thing password for a short-lived thing token", caller=PUBLIC,
          reads=NODE, writes=(REQUESTS,), kms=(SIGN,), body=schemas.THING_TOKEN),
    Route("report_node_config", "PUT", "/v1/things/{node_id}/config", "things.report_node_config",
          "The node reports its config (devices, params and their properties)", caller=THING,
          writes=NODE, body=schemas.NODE_CONFIG),
    Route("report_node_params", "PUT", "/v1/things/{node_id}/params", "things.report_node_params",
          "The node reports current param values: merged, checked against its config, archived",
          caller=THING, reads=NODE, writes=(NODES, ARCHIVE), body=schemas.PARAMS_PAYLOAD),
    Route("get_desired_params", "GET", "/v1/things/{node_id}/params", "things.get_desired_params",
          "The param values users wrote since a time (epoch ms), for the node to apply",
          caller=THING, reads=(*NODE, ARCHIVE), query=("since",)),
    Route("report_connectivity", "PUT", "/v1/things/{node_id}/connectivity", "things.report_connectivity",
          "The node reports whether it is connected", caller=THING, reads=NODE, writes=(NODES,),
          body=schemas.CONNECTIVITY),
    Route("confirm_node_mapping", "PUT", "/v1/things/{node_id}/mapping", "things.confirm_node_mapping",
          "The node confirms a user's mapping request with the secret key it was given",
          caller=THING, reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.THING_MAPPING),
    Route("report_factory_reset", "POST", "/v1/things/{node_id}/reset", "things.report_factory_reset",
          "The node reports a factory reset: its primary may then be replaced by a password claim",
          caller=THING, reads=NODE, writes=(NODES,)),
    # --- the caller's nodes (RainMaker) ---
    Route("list_user_nodes", "GET", "/v1/user/nodes", "nodes.list_user_nodes",
          "The caller's nodes, optionally with details", reads=DECISION,
          query=("node_details", "node_id", "nodeid", "start_id", "num_records")),
    Route("get_node_config", "GET", "/v1/user/nodes/config", "nodes.get_node_config",
          "A node's config", reads=DECISION, query=("node_id", "nodeid")),
    Route("get_node_params", "GET", "/v1/user/nodes/params", "nodes.get_node_params",
          "A node's params", reads=DECISION, query=("node_id", "nodeid")),
    Route("set_node_params", "PUT", "/v1/user/nodes/params", "nodes.set_node_params",
          "Write params of one or more nodes (each recorded in the archive)", reads=DECISION,
          writes=(NODES, ARCHIVE), body=schemas.SET_PARAMS, query=("node_id", "nodeid")),
    # --- the params archive (Symphony) ---
    Route("list_params_history", "GET", "/v1/user/nodes/params/history", "archive.list_params_history",
          "A page of a node's params archive, newest first, in [from, to) (epoch ms)",
          reads=(*DECISION, ARCHIVE), query=("node_id", "nodeid", "from", "to", "start_id", "num_records")),
    Route("correct_params_history", "PUT", "/v1/user/nodes/params/history", "archive.correct_params_history",
          "Add a correction record to a node's params archive (rw)", reads=DECISION, writes=(ARCHIVE,),
          body=schemas.PARAMS_CORRECTION, query=("node_id", "nodeid")),
    Route("purge_params_history", "DELETE", "/v1/user/nodes/params/history", "archive.purge_params_history",
          "Delete a node's archive records in [from, to) (epoch ms), up to 1,000 per request (rwp)",
          reads=DECISION, writes=(ARCHIVE,), query=("node_id", "nodeid", "from", "to")),
    Route("explain_access", "GET", "/v1/user/nodes/access", "nodes.explain_access",
          "Why the caller may or may not do an action on a node: the decision and its sources",
          reads=DECISION, query=("node_id", "nodeid", "action", "action_id")),
    Route("get_node_status", "GET", "/v1/user/nodes/status", "nodes.get_node_status",
          "A node's connectivity", reads=DECISION, query=("node_id", "nodeid")),
    Route("update_node_mapping", "PUT", "/v1/user/nodes/mapping", "nodes.update_node_mapping",
          "Ask to become a node's primary (add: the node confirms), or leave it (remove)",
          reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.NODE_MAPPING),
    Route("get_node_mapping", "GET", "/v1/user/nodes/mapping", "nodes.get_node_mapping",
          "The status of the caller's mapping request", reads=(REQUESTS,), query=("request_id",)),
    Route("update_user_node", "PUT", "/v1/user/nodes", "nodes.update_user_node",
          "Add tags to a node and / or merge its metadata (null deletes it all); primary or rwp",
          reads=DECISION, writes=(NODES, GROUPS), body=schemas.UPDATE_NODE, query=("node_id", "nodeid")),
    Route("remove_node_tags", "DELETE", "/v1/user/nodes", "nodes.remove_node_tags",
          "Remove tags from a node (a DELETE with a JSON body, as the CLI sends it); primary or rwp",
          reads=DECISION, writes=(NODES, GROUPS), body=schemas.REMOVE_NODE_TAGS, query=("node_id", "nodeid")),
    # --- actions and roles (Symphony) ---
    Route("list_node_actions", "GET", "/v1/user/nodes/actions", "nodes.list_node_actions",
          "The node's actions the caller may run now", reads=DECISION, query=("node_id", "nodeid")),
    Route("run_node_action", "POST", "/v1/user/nodes/actions", "nodes.run_node_action",
          "Run one of the node's actions: its params, written as a params write is",
          reads=DECISION, writes=(NODES, ARCHIVE), body=schemas.RUN_ACTION),
    Route("list_roles", "GET", "/v1/user/roles", "roles.list_roles",
          "The caller's roles, with their permissions (Symphony getRoles)", reads=(GROUPS,)),
    Route("create_role", "POST", "/v1/user/roles", "roles.create_role",
          "Create a role (Symphony createRole)", writes=(GROUPS,), body=schemas.ROLE_NAME),
    Route("delete_roles", "DELETE", "/v1/user/roles", "roles.delete_roles",
          "Delete every role of the caller's (Symphony deleteRoles)", writes=(GROUPS,)),
    Route("get_role", "GET", "/v1/user/roles/{role_id}", "roles.get_role",
          "One of the caller's roles", reads=(GROUPS,)),
    Route("update_role", "PUT", "/v1/user/roles/{role_id}", "roles.update_role",
          "Rename one of the caller's roles (Symphony updateRole)", writes=(GROUPS,), body=schemas.ROLE_NAME),
    Route("delete_role", "DELETE", "/v1/user/roles/{role_id}", "roles.delete_role",
          "Delete one of the caller's roles: what it allowed ends on the next request", writes=(GROUPS,)),
    Route("list_role_permissions", "GET", "/v1/user/roles/{role_id}/permissions",
          "roles.list_role_permissions", "A role's permissions", reads=(GROUPS,)),
    Route("add_role_permission", "POST", "/v1/user/roles/{role_id}/permissions",
          "roles.add_role_permission",
          "Add a permission (one node or one action, a policy, terms) to a role; the node's primary",
          reads=DECISION, writes=(GROUPS,), body=schemas.ROLE_PERMISSION),
    Route("delete_role_permissions", "DELETE", "/v1/user/roles/{role_id}/permissions",
          "roles.delete_role_permissions", "Delete every permission of a role", writes=(GROUPS,)),
    Route("delete_role_permission", "DELETE", "/v1/user/roles/{role_id}/permissions/{permission_id}",
          "roles.delete_role_permission", "Delete one permission of a role", writes=(GROUPS,)),
    Route("set_share_user_roles", "PUT", "/v1/user/share_users/roles", "roles.set_share_user_roles",
          "Assign the caller's roles to a user with access to its nodes (replace; [] clears)",
          reads=DECISION, writes=(USERS,), body=schemas.SHARE_USER_ROLES),
    Route("get_share_user_roles", "GET", "/v1/user/share_users/roles", "roles.get_share_user_roles",
          "The roles the caller has assigned to a user", reads=(USERS,), query=("user_name",)),
    # --- node sharing (RainMaker) ---
    Route("share_nodes", "PUT", "/v1/user/nodes/sharing", "sharing.share_nodes",
          "Share nodes with a user by e-mail: a share request, or a new level for existing access",
          reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.SHARE_NODES),
    Route("update_share_request", "PUT", "/v1/user/nodes/sharing/requests", "sharing.update_share_request",
          "Accept or decline a share request (a body with `nodes` creates one, like share_nodes)",
          reads=DECISION, writes=(NODES, ASSOCIATIONS, REQUESTS), body=schemas.UPDATE_SHARE_REQUEST),
    Route("cancel_share_request", "DELETE", "/v1/user/nodes/sharing/requests", "sharing.cancel_share_request",
          "Cancel a pending share request (its requester)", writes=(REQUESTS,),
          query=("request_id",)),
    Route("list_share_requests", "GET", "/v1/user/nodes/sharing/requests", "sharing.list_share_requests",
          "Pending share requests received, or sent with primary_user=true", reads=(REQUESTS,),
          query=("primary_user", "request_id", "start_request_id", "start_user_name", "num_records")),
    Route("list_sharing", "GET", "/v1/user/nodes/sharing", "sharing.list_sharing",
          "Primary and secondary users of the caller's nodes", reads=DECISION,
          query=("node_id", "nodeid")),
    Route("remove_sharing", "DELETE", "/v1/user/nodes/sharing", "sharing.remove_sharing",
          "Remove a secondary user from nodes (or oneself)", reads=DECISION, writes=(NODES, ASSOCIATIONS),
          query=("nodes", "user_name")),
    # --- user groups (BuildingDepot) ---
    Route("create_user_group", "POST", "/v1/user/groups", "groups.create_user_group",
          "Create a user group owned by the caller", writes=(GROUPS,), body=schemas.CREATE_USER_GROUP),
    Route("list_user_groups", "GET", "/v1/user/groups", "groups.list_user_groups",
          "The user groups the caller owns or belongs to", reads=(GROUPS, USERS),
          query=("start_id", "num_records")),
    Route("get_user_group", "GET", "/v1/user/groups/{group_id}", "groups.get_user_group",
          "A user group (its owner, managers and members)", reads=(GROUPS,)),
    Route("update_user_group", "PUT", "/v1/user/groups/{group_id}", "groups.update_user_group",
          "Rename or describe a user group (its owner)", writes=(GROUPS,), body=schemas.UPDATE_USER_GROUP),
    Route("delete_user_group", "DELETE", "/v1/user/groups/{group_id}", "groups.delete_user_group",
          "Delete a user group (its owner): nothing counts through it from then on", writes=(GROUPS,)),
    Route("set_group_users", "PUT", "/v1/user/groups/{group_id}/users", "groups.set_group_users",
          "Replace, add or remove a user group's members by e-mail; the owner may name managers",
          writes=(GROUPS, USERS), body=schemas.SET_GROUP_USERS),
    Route("list_group_users", "GET", "/v1/user/groups/{group_id}/users", "groups.list_group_users",
          "A user group's members by e-mail, and who manages it", reads=(GROUPS,)),
    # --- node groups (RainMaker node_group) ---
    Route("create_node_group", "POST", "/v1/user/node_group", "node_groups.create_node_group",
          "Create a node group of nodes the caller may share", reads=DECISION, writes=(GROUPS, NODES),
          body=schemas.CREATE_NODE_GROUP),
    Route("get_node_groups", "GET", "/v1/user/node_group", "node_groups.get_node_groups",
          "The caller's node groups (and those shared with it), or one with its nodes",
          reads=DECISION,
          query=("group_id", "node_list", "node_details", "sub_groups", "start_id", "num_records")),
    Route("edit_node_group", "PUT", "/v1/user/node_group", "node_groups.edit_node_group",
          "Edit a node group, or add / remove nodes (its owner)", reads=DECISION, writes=(GROUPS, NODES),
          body=schemas.EDIT_NODE_GROUP, query=("group_id",)),
    Route("delete_node_group", "DELETE", "/v1/user/node_group", "node_groups.delete_node_group",
          "Delete a node group (its owner): nothing counts through it from then on", writes=(GROUPS,),
          query=("group_id",)),
    # --- node group sharing (RainMaker group sharing) ---
    Route("share_node_groups", "PUT", "/v1/user/node_group/sharing", "node_group_sharing.share_node_groups",
          "Share up to 10 of the caller's node groups with a user by e-mail (or, with transfer, hand "
          "them and their nodes over): one request",
          reads=DECISION, writes=(REQUESTS,), body=schemas.SHARE_NODE_GROUPS),
    Route("update_group_share_request", "PUT", "/v1/user/node_group/sharing/requests",
          "node_group_sharing.update_group_share_request",
          "Accept (a grant on each group its requester still owns; a transfer: the groups and their "
          "nodes) or decline a group share request",
          reads=DECISION, writes=(REQUESTS, GROUPS, USERS, NODES, ASSOCIATIONS),
          body=schemas.ANSWER_SHARE_REQUEST),
    Route("cancel_group_share_request", "DELETE", "/v1/user/node_group/sharing/requests",
          "node_group_sharing.cancel_group_share_request",
          "Cancel a pending group share request (its requester)", writes=(REQUESTS,),
          query=("request_id",)),
    Route("list_group_share_requests", "GET", "/v1/user/node_group/sharing/requests",
          "node_group_sharing.list_group_share_requests",
          "Pending group share requests received, or sent with primary_user=true; or one by request_id",
          reads=(REQUESTS,),
          query=("primary_user", "request_id", "start_request_id", "start_user_name", "num_records")),
    Route("list_group_sharing", "GET", "/v1/user/node_group/sharing", "node_group_sharing.list_group_sharing",
          "Who the caller's node groups are shared with (the owner, and users with a grant on each)",
          reads=(GROUPS, USERS), query=("group_id", "metadata", "sub_groups", "parent_groups")),
    Route("remove_group_sharing", "DELETE", "/v1/user/node_group/sharing",
          "node_group_sharing.remove_group_sharing",
          "Remove a user's share of node groups (their owner), or one's own (leave)",
          reads=(GROUPS, USERS), writes=(GROUPS, USERS), query=("groups", "user_name")),
    # --- grants (BuildingDepot permissions) ---
    Route("set_permission", "PUT", "/v1/user/permissions", "permissions.set_permission",
          "Grant a user (by e-mail) or a user group a level on a node: dr, r, rw or rwp",
          reads=(*DECISION, USERS), writes=(NODES, USERS, GROUPS), body=schemas.SET_PERMISSION),
    Route("list_permissions", "GET", "/v1/user/permissions", "permissions.list_permissions",
          "A node's or node group's grants, for those who may manage it", reads=DECISION,
          query=("node_id", "node_group")),
    Route("remove_permission", "DELETE", "/v1/user/permissions", "permissions.remove_permission",
          "Remove a user's or user group's grant on a node", reads=DECISION, writes=(NODES, USERS, GROUPS),
          query=("node_id", "node_group", "user_name", "user_group")),
    # --- permission requests (BuildingDepot) ---
    Route("request_permission", "POST", "/v1/user/permission_requests",
          "permission_requests.request_permission",
          "Ask each node's primary for a level on it: one request per node, their ids",
          reads=DECISION, writes=(REQUESTS,), body=schemas.CREATE_PERMISSION_REQUESTS),
    Route("list_permission_requests", "GET", "/v1/user/permission_requests",
          "permission_requests.list_permission_requests",
          "Pending permission requests to answer, or sent with sent=true; or one by request_id",
          reads=(REQUESTS,), query=("sent", "request_id", "start_request_id", "num_records")),
    Route("answer_permission_request", "PUT", "/v1/user/permission_requests",
          "permission_requests.answer_permission_request",
          "Accept (at the level asked for or lower) or decline a permission request (its approver)",
          reads=DECISION, writes=(REQUESTS, NODES, USERS), body=schemas.ANSWER_PERMISSION_REQUEST),
    Route("cancel_permission_request", "DELETE", "/v1/user/permission_requests",
          "permission_requests.cancel_permission_request",
          "Cancel a pending permission request (its requester)", writes=(REQUESTS,),
          query=("request_id",)),
)  # fmt: skip

ROUTES_BY_OPERATION = {route.operation: route for route in ROUTES}

# The stream processor is not a route: it is fed by the table streams (infra/streams.py) and,
# locally, by the stream pollers.
STREAM_HANDLER = "streams.process_table_stream"

# The user pool's trigger is not a route either: Cognito calls it on every confirmation and every
# sign-in (infra/identity.py; locally nodeshare.local.cognito_triggers). What it may touch, in a
# route's terms, so its IAM and the local checks read one definition.
USER_TRIGGER = Route(
    "record_user", "TRIGGER", "", "users.record_user",
    "Record a confirmed or signed-in account: its users row and custom:user_id",
    writes=(USERS, ASSOCIATIONS, REQUESTS, GROUPS), cognito=("cognito-idp:AdminUpdateUserAttributes",),
)  # fmt: skip
# The Lambda authorizer of `Caller.USER_OR_THING` routes: it reads the thing-token key's public half.
EITHER_TOKEN_AUTHORIZER = Route(
    "authorize_either_token", "AUTHORIZER", "", "authorizers.either_token",
    "Verify a user's token or a thing token for the routes either side of a Kii flow may call",
    kms=(PUBLISH_KEY,),
)  # fmt: skip
