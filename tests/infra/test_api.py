"""HTTP API: exactly the routes of `nodeshare.routes.ROUTES`, the public ones open, device routes
behind the things' JWT authorizer and the rest behind the Cognito one, and a `$default` stage
with throttling and access logs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Template
from nodeshare.routes import ROUTES, Caller, Route

from infra.api import Api
from tests.infra.cfn import api_routes, get_att, only_resource, ref, resources_of_type, route_key

BY_ROUTE = pytest.mark.parametrize("route", ROUTES, ids=[route.operation for route in ROUTES])


def test_one_api_route_per_route_table_entry(template: dict[str, Any]) -> None:
    """The API has one route per ROUTES entry, keyed "METHOD path", and no other (no catch-all
    `$default` route); every route belongs to the one HTTP API."""
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    routes = api_routes(template)

    assert len(routes) == len(ROUTES)
    assert set(routes) == {route_key(route) for route in ROUTES}
    assert {ref(resource["Properties"]["ApiId"]) for resource in routes.values()} == {api_id}


def authorizers(template: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The API's authorizers by name ("CognitoAuthorizer", "ThingAuthorizer"): (logical id, resource)."""
    found = resources_of_type(template, "AWS::ApiGatewayV2::Authorizer")
    assert len(found) == 2, sorted(found)
    return {resource["Properties"]["Name"]: (logical_id, resource) for logical_id, resource in found.items()}


@BY_ROUTE
def test_route_authorization_follows_the_route_table(template: dict[str, Any], route: Route) -> None:
    """Public routes (SPEC §3.1) have no authorizer; device routes use the things' JWT authorizer;
    every other route the Cognito one."""
    by_name = authorizers(template)
    properties = api_routes(template)[route_key(route)]["Properties"]

    if route.public:
        assert properties.get("AuthorizationType", "NONE") == "NONE"
        assert "AuthorizerId" not in properties
    else:
        name = "ThingAuthorizer" if route.caller is Caller.THING else "CognitoAuthorizer"
        assert properties["AuthorizationType"] == "JWT"
        assert ref(properties["AuthorizerId"]) == by_name[name][0]


def test_the_thing_authorizer_trusts_the_stacks_own_issuer_under_this_api(template: dict[str, Any]) -> None:
    """Thing tokens: issuer `<api endpoint>/v1/thing-issuer` (its discovery document and keys are
    public routes of this API), audience `nodeshare-things` only."""
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    _, authorizer = authorizers(template)["ThingAuthorizer"]
    properties = authorizer["Properties"]
    assert ref(properties["ApiId"]) == api_id and properties["AuthorizerType"] == "JWT"
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    assert properties["JwtConfiguration"]["Audience"] == ["nodeshare-things"]
    issuer = json.dumps(properties["JwtConfiguration"]["Issuer"])
    assert api_id in issuer and issuer.endswith('"/v1/thing-issuer"]]}')
    keys = {route_key(route) for route in ROUTES if route.handler.startswith("things.get_thing_")}
    assert keys == {
        "GET /v1/thing-issuer/.well-known/openid-configuration",
        "GET /v1/thing-issuer/.well-known/jwks.json",
    }


def test_authorizer_trusts_exactly_the_user_pool_and_its_app_client(template: dict[str, Any]) -> None:
    """The users' authorizer is a JWT authorizer on the Authorization header whose issuer is the
    user pool's provider URL (https://cognito-idp.<region>.amazonaws.com/<pool id>) and whose only
    audience is the app client."""
    pool_id, _ = only_resource(template, "AWS::Cognito::UserPool")
    client_id, _ = only_resource(template, "AWS::Cognito::UserPoolClient")
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    _, authorizer = authorizers(template)["CognitoAuthorizer"]
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


def _route_for(caller: Caller) -> tuple[Api, dict[str, Any]]:
    """An Api in a bare stack, the route a few table entries get when their caller is `caller`
    (via `authorizer_for`), and the stack's template."""
    stack = cdk.Stack(cdk.App(), "AuthorizerChoice")
    pool = cognito.UserPool(stack, "Pool")
    api = Api(stack, "Api", user_pool=pool, client=pool.add_client("Client"))
    routes = [replace(route, caller=caller) for route in ROUTES[:3]]
    chosen = {api.authorizer_for(route) for route in routes}
    assert len(chosen) == 1, "the authorizer depends on the caller alone"
    apigwv2.HttpRoute(
        stack,
        "Probe",
        http_api=api.http_api,
        route_key=apigwv2.HttpRouteKey.with_("/probe", apigwv2.HttpMethod.GET),
        integration=integrations.HttpUrlIntegration("Probe", "https://example.com"),
        authorizer=chosen.pop(),
    )
    return api, Template.from_stack(stack).to_json()


@pytest.mark.parametrize("caller", list(Caller), ids=[caller.value for caller in Caller])
def test_authorizer_is_chosen_by_the_caller_alone(caller: Caller) -> None:
    """`Api.authorizer_for` (the one place a route's authorizer is chosen) gives public routes none
    and user and operator routes the users' JWT authorizer, which the Api makes itself (routes only
    refer to it, so no nested stack owns it), whatever else the route says."""
    api, template = _route_for(caller)
    _, route = only_resource(template, "AWS::ApiGatewayV2::Route")
    by_name = authorizers(template)

    if caller is Caller.PUBLIC:
        assert route["Properties"]["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in route["Properties"]
    else:
        name = "ThingAuthorizer" if caller is Caller.THING else "CognitoAuthorizer"
        assert route["Properties"]["AuthorizationType"] == "JWT"
        assert ref(route["Properties"]["AuthorizerId"]) == by_name[name][0]
        assert api.user_authorizer.node.path.startswith(api.node.path)
        assert api.thing_authorizer.node.path.startswith(api.node.path)


def test_a_caller_without_an_authorizer_fails_the_synth() -> None:
    """A caller `authorizer_for` does not know (a new kind of token, before its authorizer exists)
    is an error, never a silent fallback to the users' authorizer or to none."""
    stack = cdk.Stack(cdk.App(), "UnknownCaller")
    pool = cognito.UserPool(stack, "Pool")
    api = Api(stack, "Api", user_pool=pool, client=pool.add_client("Client"))

    with pytest.raises(AssertionError):
        api.authorizer_for(replace(ROUTES[0], caller="gadget"))  # type: ignore[arg-type]


def test_public_routes_that_act_are_throttled_tighter_than_the_stage(
    synthesis: Any, template: dict[str, Any]
) -> None:
    """Sign-up, sign-in and password reset need no account: each has its own, lower limit (issue
    11), and so has the thing-token exchange (a fleet's); the stage depends on the nested stacks
    holding those routes (route settings must name existing routes)."""
    stage_id, stage = only_resource(template, "AWS::ApiGatewayV2::Stage")
    default = stage["Properties"]["DefaultRouteSettings"]
    per_route = stage["Properties"]["RouteSettings"]
    acting = [route for route in ROUTES if route.public and route.method != "GET"]
    assert {
        "POST /v1/login2", "POST /v1/user", "POST /v1/user2", "PUT /v1/forgotpassword2",
        "POST /v1/things/{node_id}/token",
    } == {route_key(route) for route in acting}  # fmt: skip
    routes = api_routes(template)
    nested = {logical_id for logical_id, resource in template["Resources"].items()
              if resource["Type"] == "AWS::CloudFormation::Stack"}  # fmt: skip
    assert set(stage.get("DependsOn", [])) & nested, stage_id
    for route in acting:
        settings = per_route[route_key(route)]
        assert 0 < settings["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
        assert 0 < settings["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]
        assert route_key(route) in routes
    people = [route for route in acting if not route.kms]
    assert {per_route[route_key(route)]["ThrottlingRateLimit"] for route in people} == {5}
    assert per_route["POST /v1/things/{node_id}/token"]["ThrottlingRateLimit"] == 50
    assert set(per_route) == {route_key(route) for route in acting}
