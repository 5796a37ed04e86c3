"""The OpenAPI 3.1 document of the whole API, generated from the route table (paths, methods,
summaries, auth, body schemas, query parameters) and the error table. `make openapi` writes it to
`openapi.json`; `GET /v1/openapi.json` serves the same document; a test keeps the two equal.

What the route table does not say is here, per parameter name and per operation: each query
parameter's schema, which are required (a unit test reads the handlers to keep `REQUIRED_QUERY`
and `ONE_OF` true), the success answers, and the 4xx a route can give (the fuzz test,
`tests/e2e/test_schema_fuzz.py`, fails on any status a route answers that is not listed)."""

from __future__ import annotations

import re
from typing import Any

from nodeshare import schemas
from nodeshare.domain.authorization import Action
from nodeshare.http.shapes import DEFAULT_PAGE, MAX_PAGE
from nodeshare.routes import OPERATOR, ROUTES, Caller, Route

ERROR = {
    "type": "object",
    "required": ["status", "description", "error_code"],
    "properties": {
        "status": {"const": "failure"},
        "description": {"type": "string"},
        "error_code": {"type": "integer"},
    },
}
# What API Gateway itself answers before any function runs (its JWT authorizer's 401, its
# throttle's 429, its own 413); the local gateway answers those in the `Error` shape.
GATEWAY_ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
SUCCESS = {
    "type": "object",
    "required": ["status", "description"],
    "properties": {"status": {"const": "success"}, "description": {"type": "string"}},
}
OBJECT: dict[str, Any] = {"type": "object"}  # a JSON object; its fields are the route's summary
_STRINGS = {"type": "array", "items": {"type": "string"}}
# A per-node result of a params write (the CLI's list form answers one per node).
_PARAMS_RESULT = {
    "type": "object",
    "required": ["node_id", "status"],
    "properties": {
        "node_id": {"type": "string"},
        "status": {"enum": ["success", "failure"]},
        "description": {"type": "string"},
        "error_code": {"type": "integer"},
    },
}


# Which token a route takes, by where it may be called from (`Route.caller`).
SECURITY: dict[Caller, list[dict[str, list[str]]]] = {
    Caller.PUBLIC: [],
    Caller.USER: [{"cognito": []}],
    Caller.OPERATOR: [{"cognito": []}],
    Caller.THING: [{"thing": []}],
    Caller.USER_OR_THING: [{"cognito": []}, {"thing": []}],  # either one
}


def _with(base: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {**base, "required": [*base.get("required", []), *properties], "properties": {
        **base.get("properties", {}), **properties}}  # fmt: skip


# The success answers: status and body where the shape is known (else any JSON object).
RESPONSES: dict[str, dict[str, dict[str, Any] | None]] = {
    "get_api_versions": {"200": {"type": "object", "required": ["supported_versions"],
                                 "properties": {"supported_versions": _STRINGS}}},
    "get_openapi": {"200": OBJECT},
    "login": {"200": _with(SUCCESS, idtoken={"type": "string"}, accesstoken={"type": "string"},
                           refreshtoken={"type": "string"})},
    "get_user": {"200": {"type": "object", "required": ["user_id", "user_name", "super_admin"],
                         "properties": {"user_id": {"type": "string"}, "user_name": {"type": "string"},
                                        "super_admin": {"type": "boolean"}}}},
    "register_node": {"201": OBJECT},
    "create_project": {"201": OBJECT},
    "create_product": {"201": OBJECT},
    "claim_node": {"204": None},
    "list_owners": {"200": {"type": "object", "required": ["users", "groups"],
                            "properties": {"users": _STRINGS, "groups": _STRINGS}}},
    "check_owner": {"204": None},
    "remove_owner": {"204": None},
    "request_ownership_pin": {"200": {"type": "object", "required": ["code"],
                                      "properties": {"code": {"type": "string"}}}},
    "confirm_ownership_pin": {"204": None},
    "confirm_ownership_pin_kii": {"204": None},
    "issue_thing_token": {"200": {"type": "object", "required": ["access_token", "token_type", "expires_in"],
                                  "properties": {"access_token": {"type": "string"},
                                                 "token_type": {"const": "Bearer"},
                                                 "expires_in": {"type": "integer"}}}},
    "report_node_config": {"204": None},
    "report_node_params": {"204": None},
    "report_connectivity": {"204": None},
    "confirm_node_mapping": {"204": None},
    "report_factory_reset": {"204": None},
    "set_node_params": {"200": {"oneOf": [{"type": "array", "items": _PARAMS_RESULT}, SUCCESS]},
                        "207": {"type": "array", "items": _PARAMS_RESULT}},
    "get_node_status": {"200": {"type": "object", "required": ["connectivity"], "properties": {
        "connectivity": {"type": "object", "required": ["connected", "timestamp"], "properties": {
            "connected": {"type": "boolean"}, "timestamp": {"type": ["integer", "null"]}}}}}},
    "correct_params_history": {"201": SUCCESS},
    "create_role": {"201": OBJECT},
    "add_role_permission": {"201": OBJECT},
    "create_user_group": {"201": OBJECT},
    "request_permission": {"201": OBJECT},
}  # fmt: skip

_BOOL = {"type": "boolean", "description": "true or false (1 and 0 are accepted too)"}
_MS = {"type": "integer", "minimum": 0, "maximum": 9_999_999_999_999_999, "description": "epoch milliseconds"}
_NODE_ID_ALIAS = "The node id; `node_id` and `nodeid` are accepted alike (RainMaker clients send either)."
# Every query parameter by name: its schema and meaning, as `http.request.Request` reads it.
QUERY: dict[str, dict[str, Any]] = {
    "node_id": {"schema": schemas.NODE_ID, "description": _NODE_ID_ALIAS},
    "nodeid": {"schema": schemas.NODE_ID, "description": _NODE_ID_ALIAS},
    "num_records": {"schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
                    "description": "Page size"},
    "start_id": {"schema": schemas.ID, "description": "Paging: the `next_id` of the previous page"},
    "withScopes": {"schema": _BOOL, "description": "Include `scopes` (EVRYTHNG)"},
    "node_details": {"schema": _BOOL, "description": "Whole nodes rather than their ids"},
    "project": {"schema": schemas.PROJECT_ID, "description": "Scope the new resource to this project"},
    "logout_all": {"schema": _BOOL, "description": "Accepted and ignored: every refresh token is revoked"},
    "request": {"schema": _BOOL, "description": "true: mail the deletion code (then no verification_code)"},
    "verification_code": {"schema": {"type": "string", "minLength": 1},
                          "description": "The code mailed by ?request=true; needed unless request=true"},
    "since": {"schema": _MS, "description": "Param values written after this time (default 0)"},
    "from": {"schema": _MS, "description": "Start of the time range, inclusive"},
    "to": {"schema": _MS, "description": "End of the time range, exclusive"},
    "action": {"schema": {"enum": [action.value for action in Action], "default": "read"},
               "description": "The action to explain"},
    "action_id": {"schema": schemas.ACTION_ID, "description": "One of the node's actions (Symphony)"},
    "request_id": {"schema": schemas.ID, "description": "A request's id"},
    "user_name": {"schema": schemas.EMAIL, "description": "A user's e-mail address"},
    "primary_user": {"schema": _BOOL, "description": "Sent requests instead of received ones"},
    "sent": {"schema": _BOOL, "description": "Sent requests instead of those to answer"},
    "start_request_id": {"schema": schemas.ID, "description": "Paging: the previous page's next request id"},
    "start_user_name": {"schema": {"type": "string"},
                        "description": "Paging (RainMaker); accepted and ignored"},
    "nodes": {"schema": {"type": "string", "minLength": 1},
              "description": "Comma-separated node ids, 1 to 100"},
    "groups": {"schema": {"type": "string", "minLength": 1},
               "description": "Comma-separated node group ids, 1 to 10"},
    "group_id": {"schema": schemas.GROUP_ID, "description": "A node group's id"},
    "node_list": {"schema": _BOOL,
                  "description": "Accepted and ignored: node ids are listed unless node_details"},
    "sub_groups": {"schema": _BOOL, "description": "Include sub-groups"},
    "metadata": {"schema": _BOOL, "description": "Include each share's metadata"},
    "parent_groups": {"schema": _BOOL, "description": "Accepted and ignored"},
    "node_group": {"schema": schemas.GROUP_ID, "description": "A node group's id"},
    "user_group": {"schema": schemas.GROUP_ID, "description": "A user group's id"},
}  # fmt: skip
# `start_id` is the id of what the route lists.
START_ID = {
    "list_admin_nodes": schemas.NODE_ID, "list_user_nodes": schemas.NODE_ID, "list_things": schemas.NODE_ID,
    "list_projects": schemas.PROJECT_ID, "list_admin_products": schemas.PRODUCT_ID,
    "list_products": schemas.PRODUCT_ID, "get_node_groups": schemas.GROUP_ID,
}  # fmt: skip
# `user_name` that is not checked as an e-mail address (RainMaker's removal takes any name).
FREE_USER_NAME = {"remove_sharing"}

# Required query parameters, as the handler requires them (a test reads the handlers to keep this
# true). Where either of two names will do, neither is marked required and `ONE_OF` says so.
REQUIRED_QUERY: dict[str, tuple[str, ...]] = {
    "purge_params_history": ("from", "to"),
    "get_node_mapping": ("request_id",),
    "get_share_user_roles": ("user_name",),
    "cancel_share_request": ("request_id",),
    "remove_sharing": ("nodes", "user_name"),
    "edit_node_group": ("group_id",),
    "delete_node_group": ("group_id",),
    "cancel_group_share_request": ("request_id",),
    "remove_group_sharing": ("groups", "user_name"),
    "cancel_permission_request": ("request_id",),
}
_NODE = ("node_id", "nodeid")
ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    **dict.fromkeys(
        ("get_node_config", "get_node_params", "list_params_history", "correct_params_history",
         "purge_params_history", "explain_access", "get_node_status", "update_user_node", "remove_node_tags",
         "list_node_actions"), (_NODE,)),
    "set_node_params": (_NODE,),  # only with a single node's payload as the body
    "list_permissions": (("node_id", "node_group"),),
    "remove_permission": (("node_id", "node_group"), ("user_name", "user_group")),
    "delete_user": (("request", "verification_code"),),
}  # fmt: skip
PATH: dict[str, dict[str, Any]] = {
    "node_id": schemas.NODE_ID,
    "owner": {
        "type": "string",
        "pattern": "^(user|group):.+$",
        "description": "user:<user id> or group:<id>",
    },
    "project_id": schemas.PROJECT_ID,
    "product_id": schemas.PRODUCT_ID,
    "group_id": schemas.GROUP_ID,
    "role_id": schemas.ROLE_ID,
    "permission_id": schemas.ID,
}

# The 4xx a route can answer, from the one error table (`http.errors`), by what the route does.
ANSWERS_WITH = {
    "400": "Bad request: malformed JSON, a body or parameter the schema refuses, params the config "
    "does not allow (107001-107004)",
    "401": "No valid token (107010), or wrong credentials (107011)",
    "403": "Not allowed: the caller may not do this to this resource (107020), operators only (107021)",
    "404": "No such node, request, group, role, project or product, or one the caller may not see",
    "409": "Conflict: already exists, not pending, a changed epoch, a limit reached",
    "410": "The request has expired (107062)",
    "413": "Request body too large (107050)",
    "429": "Throttled (API Gateway's stage and route limits), or too many wrong passwords or PINs "
    "(107090) on the routes that check them",
}
_REQUEST_ANSWERS = {"update_share_request", "update_group_share_request", "answer_permission_request"}
_NO_LOOKUP = {"get_api_versions", "get_openapi", "get_thing_issuer", "get_thing_keys", "login", "sign_up",
              "sign_up_cli", "forgot_password", "logout", "get_user", "list_roles", "delete_roles",
              "create_role", "create_user_group", "list_user_groups", "list_products", "list_things",
              "list_admin_nodes", "list_projects", "list_admin_products", "create_project"}  # fmt: skip


ERROR_RESPONSE = {
    "400": "BadRequest", "401": "Unauthenticated", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
    "410": "Expired", "413": "TooLarge", "429": "TooManyRequests",
}  # fmt: skip


def _error_responses() -> dict[str, Any]:
    """One response per 4xx status (and `Failure` for any other), shared by every route."""
    responses: dict[str, Any] = {}
    for status, name in ERROR_RESPONSE.items():
        error: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
        if status in ("401", "413", "429"):  # API Gateway may answer these itself, in its own shape
            error = {"anyOf": [error, {"$ref": "#/components/schemas/GatewayError"}]}
        responses[name] = {"description": ANSWERS_WITH[status], "content": _json(error)}
    responses["Failure"] = {
        "description": "Any other failure (5xx: a bug or an outage), in the same shape",
        "content": _json({"$ref": "#/components/schemas/Error"}),
    }
    return responses


def _error_statuses(route: Route) -> list[str]:
    statuses = set()
    takes_input = route.body is not None or route.query or "{" in route.path
    if takes_input:
        statuses.add("400")
    if route.body is not None:
        statuses.add("413")
    if route.caller is not Caller.PUBLIC or route.operation in ("login", "sign_up", "sign_up_cli"):
        statuses.add("401")
    if route.caller is not Caller.PUBLIC and (route.operation not in _NO_LOOKUP or route.caller is OPERATOR):
        statuses.add("403")
    if route.operation not in _NO_LOOKUP or (route.caller is OPERATOR and takes_input):
        statuses.add("404")
    if route.writes or route.operation in ("sign_up", "sign_up_cli"):
        statuses.add("409")
    if route.operation in _REQUEST_ANSWERS:
        statuses.add("410")
    # Every route is throttled; claims, thing tokens and PIN confirmations also count wrong secrets.
    statuses.add("429")
    return sorted(statuses)


def _query_parameter(route: Route, name: str) -> dict[str, Any]:
    known = QUERY[name]
    schema = START_ID.get(route.operation, known["schema"]) if name == "start_id" else known["schema"]
    if name == "user_name" and route.operation in FREE_USER_NAME:
        schema = {"type": "string", "minLength": 1}
    description = known["description"]
    for names in ONE_OF.get(route.operation, ()):
        if name in names:
            description += f" One of {' / '.join(f'`{other}`' for other in names)} is required."
    required = name in REQUIRED_QUERY.get(route.operation, ())
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _parameters(route: Route) -> list[dict[str, Any]]:
    path = [
        {"name": name, "in": "path", "required": True, "schema": PATH[name]}
        for name in re.findall(r"\{(\w+)\}", route.path)
    ]
    return path + [_query_parameter(route, name) for name in route.query]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(route: Route) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, schema in RESPONSES.get(route.operation, {"200": OBJECT}).items():
        responses[status] = {"description": "Success"} if schema is None else {
            "description": "Success", "content": _json(schema)}  # fmt: skip
    for status in _error_statuses(route):
        responses[status] = {"$ref": f"#/components/responses/{ERROR_RESPONSE[status]}"}
    responses["default"] = {"$ref": "#/components/responses/Failure"}
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "summary": route.summary,
        "tags": [route.handler.split(".")[0]],
        "responses": responses,
        "security": SECURITY[route.caller],
    }
    if parameters := _parameters(route):
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(route.body)}
    return operation


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nodeshare",
            "version": "1",
            "description": "Share IoT devices and control who may use them (RainMaker-compatible).",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, "GatewayError": GATEWAY_ERROR},
            "responses": _error_responses(),
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito ID or access token, with or without 'Bearer '.",
                },
                "thing": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A thing token for the node in the path (POST /v1/things/{node_id}/token)",
                },
            },
        },
    }
