"""Lambda: one function per route, running the route's handler with the shared layer, and told
the names of exactly the tables the route uses."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from nodeshare.routes import ROUTES, Route
from nodeshare.store.models import TABLES

from tests.infra.assembly import Synthesis
from tests.infra.cfn import function_of_route, get_att, only_resource, ref, resources_of_type, table_ids

BY_ROUTE = pytest.mark.parametrize("route", ROUTES, ids=[route.operation for route in ROUTES])


def _function(template: dict[str, Any], route: Route) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][function_of_route(template, route)]["Properties"]
    return properties


def _defines_handler(source: str) -> bool:
    """Whether a module binds the name `handler` at top level (`def handler` or `handler = ...`)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "handler":
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "handler" for target in node.targets
        ):
            return True
    return False


def test_one_function_per_route(template: dict[str, Any]) -> None:
    """Every route's integration invokes its own function (no two routes share one), and the only
    other functions are the stream processor, the user pool's trigger and the either-token
    authorizer."""
    route_functions = [function_of_route(template, route) for route in ROUTES]

    assert len(set(route_functions)) == len(ROUTES)
    assert len(resources_of_type(template, "AWS::Lambda::Function")) == len(ROUTES) + 3


@BY_ROUTE
def test_function_runs_the_route_handler(synthesis: Synthesis, route: Route) -> None:
    """The Handler is `<route.handler with dots as slashes>.handler`, and that module is in the
    function's code asset and binds `handler`."""
    function_id = function_of_route(synthesis.template, route)
    resource = synthesis.template["Resources"][function_id]
    module = route.handler.replace(".", "/")

    assert resource["Properties"]["Handler"] == f"{module}.handler"
    source = synthesis.outdir / resource["Metadata"]["aws:asset:path"] / f"{module}.py"
    assert source.is_file(), source
    assert _defines_handler(source.read_text()), f"{source} does not define handler"


@BY_ROUTE
def test_function_has_the_shared_layer(template: dict[str, Any], route: Route) -> None:
    """Each route function has the stack's one shared layer attached, and only it."""
    layer_id, _ = only_resource(template, "AWS::Lambda::LayerVersion")

    assert [ref(layer) for layer in _function(template, route)["Layers"]] == [layer_id]


@BY_ROUTE
def test_function_is_told_only_the_tables_it_uses(template: dict[str, Any], route: Route) -> None:
    """The environment names exactly the tables the route touches (its reads and writes, and the
    users table of a route that checks the caller's account: `<NAME>_TABLE`, each a Ref to that
    table), and no other variable refers to any table."""
    ids = table_ids(template)
    used = set(route.tables)
    variables = _function(template, route)["Environment"]["Variables"]

    expected = {
        definition.env_var: {"Ref": ids[definition.name]} for definition in TABLES if definition.name in used
    }
    assert {name: value for name, value in variables.items() if name.endswith("_TABLE")} == expected
    assert {name for name, value in variables.items() if ref(value) in ids.values()} == set(expected)
    # The local stack's clock offset never reaches a deployed function (`nodeshare.clock`).
    assert "CLOCK_OFFSET_SECONDS" not in variables


@BY_ROUTE
def test_api_gateway_may_invoke_the_route_function(template: dict[str, Any], route: Route) -> None:
    """A Lambda permission lets API Gateway invoke the function, scoped to this API and the route's
    path."""
    function_id = function_of_route(template, route)
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    permissions = [
        permission["Properties"]
        for permission in resources_of_type(template, "AWS::Lambda::Permission").values()
        if get_att(permission["Properties"]["FunctionName"]) == (function_id, "Arn")
    ]

    assert len(permissions) == 1
    permission = permissions[0]
    assert permission["Action"] == "lambda:InvokeFunction"
    assert permission["Principal"] == "apigateway.amazonaws.com"
    source_arn = permission["SourceArn"]["Fn::Join"][1]
    assert {"Ref": api_id} in source_arn
    assert source_arn[-1].endswith(route.path)
