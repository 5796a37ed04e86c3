"""The OpenAPI 3.1 document of the whole API, generated from the route table (paths, methods,
summaries, auth, body schemas, query parameters) and the error table. `make openapi` writes it to
`openapi.json`; `GET /v1/openapi.json` serves the same document; a test keeps the two equal."""

from __future__ import annotations

import re
from typing import Any

from nodeshare.routes import ROUTES, Caller, Route

ERROR = {
    "type": "object",
    "required": ["status", "description", "error_code"],
    "properties": {
        "status": {"const": "failure"},
        "description": {"type": "string"},
        "error_code": {"type": "integer"},
    },
}
SUCCESS_STATUS = {
    "register_node": "201",
    "claim_node": "204",
    "request_permission": "201",
    "create_user_group": "201",
    "correct_params_history": "201",
    "create_project": "201",
    "create_product": "201",
}

# Which token a route takes, by where it may be called from (`Route.caller`).
SECURITY: dict[Caller, list[dict[str, list[str]]]] = {
    Caller.PUBLIC: [],
    Caller.USER: [{"cognito": []}],
    Caller.OPERATOR: [{"cognito": []}],
    Caller.THING: [{"thing": []}],
    Caller.USER_OR_THING: [{"cognito": []}, {"thing": []}],  # either one
}


def _parameters(route: Route) -> list[dict[str, Any]]:
    path = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", route.path)
    ]
    query = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in route.query
    ]
    return path + query


def _operation(route: Route) -> dict[str, Any]:
    status = SUCCESS_STATUS.get(route.operation, "200")
    success: dict[str, Any] = {"description": "Success"}
    if status != "204":
        success["content"] = {"application/json": {"schema": {}}}
    error = {
        "description": "Failure",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "summary": route.summary,
        "tags": [route.handler.split(".")[0]],
        "responses": {status: success, "default": error},
        "security": SECURITY[route.caller],
    }
    if parameters := _parameters(route):
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
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
            "schemas": {"Error": ERROR},
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
