"""HTTP API: exactly the routes of `nodeshare.routes.ROUTES`, the public ones open and the rest
behind a Cognito JWT authorizer, and a `$default` stage with throttling and access logs."""

from __future__ import annotations

from typing import Any

import pytest
from nodeshare.routes import ROUTES, Route

from tests.infra.cfn import api_routes, get_att, only_resource, ref, route_key

BY_ROUTE = pytest.mark.parametrize("route", ROUTES, ids=[route.operation for route in ROUTES])


def test_one_api_route_per_route_table_entry(template: dict[str, Any]) -> None:
    """The API has one route per ROUTES entry, keyed "METHOD path", and no other (no catch-all
    `$default` route); every route belongs to the one HTTP API."""
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    routes = api_routes(template)

    assert len(routes) == len(ROUTES)
    assert set(routes) == {route_key(route) for route in ROUTES}
    assert {ref(resource["Properties"]["ApiId"]) for resource in routes.values()} == {api_id}


@BY_ROUTE
def test_route_authorization_follows_the_route_table(template: dict[str, Any], route: Route) -> None:
    """Public routes (SPEC §3.1) have no authorizer; every other route uses the Cognito JWT
    authorizer."""
    authorizer_id, _ = only_resource(template, "AWS::ApiGatewayV2::Authorizer")
    properties = api_routes(template)[route_key(route)]["Properties"]

    if route.public:
        assert properties.get("AuthorizationType", "NONE") == "NONE"
        assert "AuthorizerId" not in properties
    else:
        assert properties["AuthorizationType"] == "JWT"
        assert ref(properties["AuthorizerId"]) == authorizer_id


def test_authorizer_trusts_exactly_the_user_pool_and_its_app_client(template: dict[str, Any]) -> None:
    """The authorizer is a JWT authorizer on the Authorization header whose issuer is the user
    pool's provider URL (https://cognito-idp.<region>.amazonaws.com/<pool id>) and whose only
    audience is the app client."""
    pool_id, _ = only_resource(template, "AWS::Cognito::UserPool")
    client_id, _ = only_resource(template, "AWS::Cognito::UserPoolClient")
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    _, authorizer = only_resource(template, "AWS::ApiGatewayV2::Authorizer")
    properties = authorizer["Properties"]

    assert ref(properties["ApiId"]) == api_id
    assert properties["AuthorizerType"] == "JWT"
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    jwt = properties["JwtConfiguration"]
    assert [ref(audience) for audience in jwt["Audience"]] == [client_id]
    assert jwt["Issuer"] == {
        "Fn::Join": [
            "",
            ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": pool_id}],
        ]
    }


def test_default_stage_is_throttled(template: dict[str, Any]) -> None:
    """The auto-deployed `$default` stage limits every route's rate and burst."""
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    _, stage = only_resource(template, "AWS::ApiGatewayV2::Stage")
    properties = stage["Properties"]

    assert properties["StageName"] == "$default"
    assert ref(properties["ApiId"]) == api_id
    assert properties["AutoDeploy"] is True
    settings = properties["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]


def test_default_stage_writes_access_logs_to_a_log_group(template: dict[str, Any]) -> None:
    """Access logs go to a CloudWatch log group of this stack, in a format that records at least
    who called which route with what outcome."""
    _, stage = only_resource(template, "AWS::ApiGatewayV2::Stage")
    access_logs = stage["Properties"]["AccessLogSettings"]

    destination = get_att(access_logs["DestinationArn"])
    assert destination is not None and destination[1] == "Arn"
    assert template["Resources"][destination[0]]["Type"] == "AWS::Logs::LogGroup"
    for variable in (
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.identity.sourceIp",
    ):
        assert variable in access_logs["Format"]


def test_public_routes_that_act_are_throttled_tighter_than_the_stage(template: dict[str, Any]) -> None:
    """Sign-up, sign-in and password reset need no account: each has its own, lower limit (issue
    11); the stage depends on those routes (route settings must name existing routes)."""
    stage_id, stage = only_resource(template, "AWS::ApiGatewayV2::Stage")
    default = stage["Properties"]["DefaultRouteSettings"]
    per_route = stage["Properties"]["RouteSettings"]
    acting = [route for route in ROUTES if route.public and route.method != "GET"]
    assert {"POST /v1/login2", "POST /v1/user", "POST /v1/user2", "PUT /v1/forgotpassword2"} == {
        route_key(route) for route in acting
    }
    routes = api_routes(template)
    route_ids = {key: logical_id for logical_id, resource in template["Resources"].items()
                 for key in [resource.get("Properties", {}).get("RouteKey")] if key}  # fmt: skip
    for route in acting:
        settings = per_route[route_key(route)]
        assert 0 < settings["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
        assert 0 < settings["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]
        assert route_key(route) in routes
        assert route_ids[route_key(route)] in stage.get("DependsOn", []), stage_id
    assert set(per_route) == {route_key(route) for route in acting}
