"""The deployed functions' IAM, enforced on the local stack and in the api tests.

In AWS each route's Lambda may touch only the tables and Cognito admin actions its route names
(`infra/api.py` grants exactly `Route.reads`, `Route.writes` and `Route.cognito`). moto checks no
IAM, so without this a handler that writes a table its route does not name would pass every local
test and fail with AccessDenied once deployed. While a handler runs for a route, every botocore
call is checked against that route, and a call outside it fails as AWS would fail it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import botocore.client
from botocore.exceptions import ClientError

from nodeshare.routes import Route
from nodeshare.settings import settings
from nodeshare.store.models import TABLES

_route: ContextVar[Route | None] = ContextVar("nodeshare_route", default=None)

# What each DynamoDB call needs, per table: "read" (grant_read_data) or "write" (grant_read_write_data).
READ_CALLS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable"})
WRITE_CALLS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
# Called only when AUTO_CONFIRM_SIGN_UP is set, which only the local stack does (no mailbox).
LOCAL_ONLY_ACTIONS = frozenset({"cognito-idp:AdminConfirmSignUp"})
TRANSACT_NEEDS = {"ConditionCheck": "read", "Put": "write", "Update": "write", "Delete": "write"}


def _needs(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(table name, "read" | "write") for one DynamoDB call."""
    if operation in ("BatchGetItem", "BatchWriteItem"):
        need = "read" if operation == "BatchGetItem" else "write"
        return [(table, need) for table in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            (body["TableName"], "read" if operation == "TransactGetItems" else TRANSACT_NEEDS[kind])
            for item in params.get("TransactItems", [])
            for kind, body in item.items()
        ]
    if operation in READ_CALLS:
        return [(params["TableName"], "read")]
    if operation in WRITE_CALLS:
        return [(params["TableName"], "write")]
    return [(params.get("TableName", "?"), "write")]  # anything else: no route grants it


def refusal(route: Route, service: str, operation: str, params: dict[str, Any]) -> str | None:
    """Why the route's function may not make this call, or None when it may."""
    if service == "cognito-idp":
        action = f"cognito-idp:{operation}"
        if action in LOCAL_ONLY_ACTIONS and settings().auto_confirm_sign_up:
            return None
        if operation.startswith("Admin") and action not in route.cognito:
            return f"{route.operation} may not call {action} (Route.cognito)"
        return None
    if service == "kms":
        action = f"kms:{operation}"
        return None if action in route.kms else f"{route.operation} may not call {action} (Route.kms)"
    if service != "dynamodb":
        return None
    names = {getattr(settings(), f"{table.name}_table"): table.name for table in TABLES}  # real -> logical
    for table, need in _needs(operation, params):
        name = names.get(table, table)
        allowed = route.writes if need == "write" else route.tables
        if name not in allowed:
            return f"{route.operation} may not {need} table {name} with {operation} (Route.reads / writes)"
    return None


def install() -> None:
    """Check every botocore call made within `acting_as` (idempotent; wraps whatever
    `_make_api_call` is at the time, so the bench's counting wrapper still sees every call)."""
    make_api_call = botocore.client.BaseClient._make_api_call
    if getattr(make_api_call, "checks_route_permissions", False):
        return

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        route = _route.get()
        if route is not None:
            reason = refusal(route, self.meta.service_model.service_name, operation_name, api_params)
            if reason is not None:
                error = {"Error": {"Code": "AccessDeniedException", "Message": reason}}
                raise ClientError(error, operation_name)  # type: ignore[arg-type]
        return make_api_call(self, operation_name, api_params)

    checked.checks_route_permissions = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_api_call = checked  # type: ignore[method-assign]


@contextmanager
def acting_as(route: Route) -> Iterator[None]:
    """Within this block, botocore calls on this thread are held to what `route` is granted."""
    install()
    token = _route.set(route)
    try:
        yield
    finally:
        _route.reset(token)
