"""The API's routes, one CloudFormation nested stack per area of the API.

A route's area is its handler's package: `nodes.get_node_params` lives in `functions/nodes/` and
is deployed by the nested stack `NodesRoutes`. So a route never changes nested stack unless its
handler moves, a new area is a new nested stack, and each nested stack holds about 5 resources
per route (function, role with an inline policy, integration, invoke permission, route), far from
CloudFormation's 500 per stack. Everything the routes share (API, stage, authorizers, tables,
layer, log group, user pool) is in the parent stack; CDK passes it in as nested-stack parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import NestedStack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from nodeshare.routes import Route

from infra.api import Api
from infra.functions import FunctionFactory
from infra.monitoring import Monitoring


def area_of(route: Route) -> str:
    """The route's area: the package of its handler under `functions/` (`nodes` for
    `nodes.get_node_params`)."""
    return route.handler.partition(".")[0]


def pascal(name: str) -> str:
    """`node_group_sharing` -> `NodeGroupSharing`."""
    return "".join(part.capitalize() for part in name.split("_"))


def nested_stack_id(area: str) -> str:
    """The construct id of the area's nested stack: `nodes` -> `NodesRoutes`."""
    return f"{pascal(area)}Routes"


def routes_by_area(routes: Iterable[Route]) -> dict[str, list[Route]]:
    """The routes grouped by area, areas and routes in route-table order."""
    grouped: dict[str, list[Route]] = {}
    for route in routes:
        grouped.setdefault(area_of(route), []).append(route)
    return grouped


class RouteArea(NestedStack):
    """One area's routes: per route its function (with its own role and inline policy), the API
    Gateway integration and route, and the permission for API Gateway to invoke the function; and
    the alarms on those functions' errors and throttles (`Monitoring.watch_functions`)."""

    def __init__(
        self,
        scope: Construct,
        area: str,
        *,
        routes: list[Route],
        api: Api,
        functions: FunctionFactory,
        tables: dict[str, dynamodb.Table],
        user_pool: cognito.UserPool,
        thing_key: kms.IKey,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, nested_stack_id(area), description=f"nodeshare routes of functions/{area}/")
        self.area = area
        self.routes = routes
        self.functions: dict[str, lambda_.Function] = {}
        self.public_routes: list[apigwv2.HttpRoute] = []
        for route in routes:
            assert area_of(route) == area, (route.operation, area)
            self.functions[route.operation] = self._route(route, api, functions, tables, user_pool, thing_key)
        monitoring.watch_functions(self, area.replace("_", "-"), list(self.functions.values()))

    def _route(
        self,
        route: Route,
        api: Api,
        functions: FunctionFactory,
        tables: dict[str, dynamodb.Table],
        pool: cognito.UserPool,
        thing_key: kms.IKey,
    ) -> lambda_.Function:
        construct_id = pascal(route.operation)
        used = {name: tables[name] for name in route.tables}
        function = functions.make(self, construct_id, route.handler, used, route.summary, snap_start=True)
        for name in route.tables:
            if name not in route.writes:
                tables[name].grant_read_data(function)
        for name in route.writes:
            tables[name].grant_read_write_data(function)
        if route.cognito:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(route.cognito), resources=[pool.user_pool_arn])
            )
        if route.kms:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(route.kms), resources=[thing_key.key_arn])
            )
        authorizer = api.authorizer_for(route)
        http_route = apigwv2.HttpRoute(
            self,
            f"{construct_id}Route",
            http_api=api.http_api,
            route_key=apigwv2.HttpRouteKey.with_(route.path, apigwv2.HttpMethod(route.method)),
            integration=integrations.HttpLambdaIntegration(
                f"{construct_id}Integration", functions.invoked(function)
            ),
            authorizer=authorizer,
        )
        if authorizer is None:
            self.public_routes.append(http_route)
        api.limit(route, http_route)
        return function
