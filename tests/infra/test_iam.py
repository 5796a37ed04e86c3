"""IAM least privilege: each route function's role allows exactly what the route's entry lists:
writes on `writes`, reads on `reads` and `writes`, the Cognito actions in `cognito`, nothing else.

The policy -> role -> function link is resolved in the template (policy `Roles: [{Ref: role}]`,
function `Role: {Fn::GetAtt: [role, Arn]}`), and table ARNs are mapped back to table names."""

from __future__ import annotations

from typing import Any

import pytest
from nodeshare.routes import ROUTES, Route
from nodeshare.store.models import TABLES

from tests.infra.cfn import Grant, function_of_route, grants_of_function, role_of_function

INDEXED = {definition.name for definition in TABLES if definition.has_indexes}
BY_ROUTE = pytest.mark.parametrize("route", ROUTES, ids=[route.operation for route in ROUTES])
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
# Active tracing (`infra/functions.py`): X-Ray has no resource-level permissions for these.
TRACING = {Grant("xray:PutTraceSegments", 'other:"*"'), Grant("xray:PutTelemetryRecords", 'other:"*"')}
BASIC_EXECUTION_ROLE = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    ]
}


def _grants(template: dict[str, Any], route: Route) -> set[Grant]:
    return grants_of_function(template, function_of_route(template, route))


def _is_write(action: str) -> bool:
    """A DynamoDB action that changes data (a wildcard counts: it includes the writes)."""
    partiql_write = action.startswith("dynamodb:PartiQL") and action != "dynamodb:PartiQLSelect"
    return action in WRITE_ACTIONS or partiql_write or "*" in action


def _table_of(target: str) -> str | None:
    """The table a grant target is on (`table:`, `index:`, `stream:`), else None."""
    kind, _, name = target.partition(":")
    return name if kind in {"table", "index", "stream"} else None


def _actions_on(grants: set[Grant], target: str) -> set[str]:
    return {grant.action for grant in grants if grant.target == target}


@BY_ROUTE
def test_function_writes_only_the_tables_the_route_writes(template: dict[str, Any], route: Route) -> None:
    """DynamoDB write actions are allowed only on tables in `route.writes`, and on each of those
    the function may put, update and delete items (otherwise the route could not do its job)."""
    grants = _grants(template, route)
    written = {
        _table_of(grant.target)
        for grant in grants
        if grant.action.startswith("dynamodb:") and _is_write(grant.action)
    }

    assert written == set(route.writes)
    for table in route.writes:
        assert _actions_on(grants, f"table:{table}") >= WRITE_ACTIONS, table


@BY_ROUTE
def test_function_reads_only_the_tables_the_route_uses(template: dict[str, Any], route: Route) -> None:
    """Every DynamoDB action is on a table (or its indexes) the route touches (`route.tables`: its
    reads and writes, and the users table of the account check), and each of those tables can be
    read by key and queried through its indexes (a table without indexes has no index grant)."""
    grants = _grants(template, route)
    used = set(route.tables)
    touched = {_table_of(grant.target) for grant in grants if grant.action.startswith("dynamodb:")}

    assert touched == used
    for table in used:
        assert {"dynamodb:GetItem", "dynamodb:Query"} <= _actions_on(grants, f"table:{table}"), table
        if table in INDEXED:
            assert "dynamodb:Query" in _actions_on(grants, f"index:{table}"), table
        else:
            assert _actions_on(grants, f"index:{table}") == set(), table


@BY_ROUTE
def test_function_cognito_actions_are_exactly_those_listed(template: dict[str, Any], route: Route) -> None:
    """Cognito (`cognito-idp:`) actions are allowed only when the route lists them, exactly those,
    and only on the stack's user pool."""
    cognito = {grant for grant in _grants(template, route) if grant.action.startswith("cognito-idp:")}

    assert {grant.action for grant in cognito} == set(route.cognito)
    assert {grant.target for grant in cognito} <= {"user_pool"}


@BY_ROUTE
def test_function_kms_actions_are_exactly_those_listed(template: dict[str, Any], route: Route) -> None:
    """KMS actions only where the route lists them (signing thing tokens, publishing the key),
    exactly those, and only on the thing-token key."""
    kms = {grant for grant in _grants(template, route) if grant.action.startswith("kms:")}
    assert {grant.action for grant in kms} == set(route.kms)
    assert {grant.target for grant in kms} <= {"thing_key"}


@BY_ROUTE
def test_function_has_no_other_permissions(template: dict[str, Any], route: Route) -> None:
    """Besides DynamoDB on known tables, Cognito on the pool and KMS on the thing-token key (each
    checked above) and sending its traces to X-Ray, the role allows nothing: no other
    service, no wildcard action, no unrecognised resource; its only managed policy is
    AWSLambdaBasicExecutionRole (logs)."""
    function_id = function_of_route(template, route)
    grants = grants_of_function(template, function_id)
    role = template["Resources"][role_of_function(template, function_id)]["Properties"]

    assert grants >= TRACING
    grants -= TRACING

    assert {grant.action.split(":")[0] for grant in grants} <= {"dynamodb", "cognito-idp", "kms"}
    assert not [grant for grant in grants if "*" in grant.action]
    assert not [grant for grant in grants if grant.target.startswith(("other:", "queue:"))]
    assert role["ManagedPolicyArns"] == [BASIC_EXECUTION_ROLE]
