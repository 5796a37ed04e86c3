"""The stack's size: every route's resources live in a CloudFormation nested stack, one per area
of the API (the route handler's package, `functions/<area>/`), the shared pieces stay in the
parent, and every template is far from CloudFormation's 500 resources per stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nodeshare.routes import NODES, ROUTES, Route

from tests.infra.assembly import STACK_NAME, Synthesis, synthesize
from tests.infra.cfn import (
    NESTED_STACK,
    function_of_route,
    get_att,
    ref,
    resources_of_type,
    role_of_function,
    route_key,
)

LIMIT = 400  # CloudFormation allows 500 resources per stack; keep a margin for what comes
BY_ROUTE = pytest.mark.parametrize("route", ROUTES, ids=[route.operation for route in ROUTES])
# What a route costs, all in its area's nested stack (the role holds its policy inline).
PER_ROUTE = {
    "AWS::Lambda::Function",
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
}
# What every route shares, only in the parent.
SHARED = {
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::DynamoDB::Table",
    "AWS::Lambda::LayerVersion",
    "AWS::Logs::LogGroup",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
}


def _area(route: Route) -> str:
    """The documented rule: a route's area is its handler's package under `functions/`."""
    return route.handler.split(".")[0]


def _nested_stack_prefix(area: str) -> str:
    """CDK names a nested stack's resource `<id>NestedStack<id>NestedStackResource<hash>`, and the
    area `node_groups` has the id `NodeGroupsRoutes`."""
    return "".join(word.capitalize() for word in area.split("_")) + "RoutesNestedStack"


def _route_resources(template: dict[str, Any], route: Route) -> set[str]:
    """The logical ids of what `route` costs: its API route and integration, its function, the
    function's role and the permission that lets API Gateway invoke it."""
    function_id = function_of_route(template, route)
    route_ids = [
        logical_id
        for logical_id, resource in resources_of_type(template, "AWS::ApiGatewayV2::Route").items()
        if resource["Properties"]["RouteKey"] == route_key(route)
    ]
    target = template["Resources"][route_ids[0]]["Properties"]["Target"]
    permissions = [
        logical_id
        for logical_id, permission in resources_of_type(template, "AWS::Lambda::Permission").items()
        if get_att(permission["Properties"]["FunctionName"]) == (function_id, "Arn")
    ]
    return {
        *route_ids,
        str(ref(target["Fn::Join"][1][1])),
        function_id,
        role_of_function(template, function_id),
        *permissions,
    }


def _homes(synthesis: Synthesis, routes: tuple[Route, ...]) -> dict[str, tuple[str, str]]:
    """operation -> (the stack its function is in, the function's logical id)."""
    homes = {}
    for route in routes:
        function_id = function_of_route(synthesis.template, route)
        homes[route.operation] = (synthesis.home(function_id), function_id)
    return homes


def test_every_template_is_well_under_the_resource_limit(synthesis: Synthesis) -> None:
    """The parent and each nested template hold fewer than LIMIT resources (the counts are in the
    message, so a failure says which stack grew)."""
    counts = {STACK_NAME: len(synthesis.parent["Resources"])} | {
        stack_id: len(template["Resources"]) for stack_id, template in synthesis.nested.items()
    }
    report = ", ".join(f"{stack}: {count}" for stack, count in counts.items())

    assert synthesis.nested, "the routes are in nested stacks"
    assert max(counts.values()) < LIMIT, f"resources per template (limit {LIMIT}): {report}"


@BY_ROUTE
def test_route_lives_in_the_nested_stack_of_its_area(synthesis: Synthesis, route: Route) -> None:
    """Everything the route costs is in one nested stack, never the parent: the one of the route's
    area (`<Area>Routes` for `functions/<area>/`), whose description names that folder."""
    resources = _route_resources(synthesis.template, route)

    homes = {synthesis.home(logical_id) for logical_id in resources}
    assert len(homes) == 1, homes
    home = homes.pop()
    assert home != STACK_NAME
    assert home.startswith(_nested_stack_prefix(_area(route))), (home, route.handler)
    assert synthesis.nested[home]["Description"] == f"nodeshare routes of functions/{_area(route)}/"
    assert {synthesis.template["Resources"][logical_id]["Type"] for logical_id in resources} == PER_ROUTE


def test_one_nested_stack_per_area(synthesis: Synthesis) -> None:
    """There is one nested stack per area and each holds the routes of exactly one area, and
    nothing but route resources and the alarms on its functions (`test_monitoring.py`)."""
    areas_of_stack: dict[str, set[str]] = {}
    for route in ROUTES:
        home, _ = _homes(synthesis, (route,))[route.operation]
        areas_of_stack.setdefault(home, set()).add(_area(route))

    assert set(areas_of_stack) == set(synthesis.nested)
    assert all(len(areas) == 1 for areas in areas_of_stack.values()), areas_of_stack
    assert len(synthesis.nested) == len({_area(route) for route in ROUTES})
    for stack_id, template in synthesis.nested.items():
        types = {resource["Type"] for resource in template["Resources"].values()}
        assert types <= PER_ROUTE | {"AWS::CloudWatch::Alarm"}, stack_id


def test_shared_pieces_stay_in_the_parent(synthesis: Synthesis) -> None:
    """The API, its stage and authorizer, the tables, the layer, the log groups and Cognito are
    resources of the parent template, and no nested stack has any of them."""
    for resource_type in SHARED:
        found = resources_of_type(synthesis.template, resource_type)
        assert found, resource_type
        assert {synthesis.home(logical_id) for logical_id in found} == {STACK_NAME}, resource_type


def test_nested_stacks_depend_only_on_the_parent(synthesis: Synthesis) -> None:
    """Each value the parent passes a nested stack is a reference to one of the parent's own
    resources (never another nested stack's output), so no nested stack waits for another and a
    change in one area never touches another."""
    parent = synthesis.parent["Resources"]
    for stack_id in synthesis.nested:
        passed = parent[stack_id]["Properties"].get("Parameters", {})
        for name, value in passed.items():
            target = ref(value) or (get_att(value) or (None,))[0]
            assert target in parent, (stack_id, name, value)
            assert parent[target]["Type"] != NESTED_STACK, (stack_id, name, value)
        assert not set(parent[stack_id].get("DependsOn", [])) & set(synthesis.nested), stack_id


def test_adding_routes_moves_no_existing_route(synthesis: Synthesis, tmp_path: Path) -> None:
    """Given the route table plus a route in an existing area and one in a new area, every existing
    route keeps its nested stack and its function's logical id (so a deploy leaves it alone), the
    new route of an existing area joins that area's stack and the new area gets a stack of its own."""
    joining = Route("list_node_extras", "GET", "/v1/user/nodes/extras", "nodes.list_node_extras",
                    "A route added to an existing area", reads=(NODES,))  # fmt: skip
    founding = Route("get_gadget", "GET", "/v1/gadgets/{gadget_id}", "gadgets.get_gadget",
                     "A route of a new area", reads=(NODES,))  # fmt: skip
    grown = synthesize(tmp_path, (*ROUTES, joining, founding), nag=False)

    before = _homes(synthesis, ROUTES)
    after = _homes(grown, (*ROUTES, joining, founding))

    assert {operation: after[operation] for operation in before} == before
    assert after[joining.operation][0] == before["list_user_nodes"][0]
    assert after[founding.operation][0].startswith(_nested_stack_prefix("gadgets"))
    assert set(grown.nested) == set(synthesis.nested) | {after[founding.operation][0]}
