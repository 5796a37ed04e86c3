"""The HTTP API's shared pieces: the API, its `$default` stage with throttling and access logs,
and the JWT authorizer(s). The routes themselves live in one nested stack per area
(`infra/areas.py`); `authorizer_for` is the one place that picks a route's authorizer."""

from __future__ import annotations

from typing import assert_never

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.domain.thing_tokens import AUDIENCE as THING_AUDIENCE
from nodeshare.routes import THING_ISSUER_PATH, Caller, Route

THROTTLE_RATE, THROTTLE_BURST = 100, 200
# The public routes that act — sign-up, sign-in, password reset — are what anyone can hammer without
# an account (guessing passwords, mailing codes): a much lower limit than the stage's, per route.
PUBLIC_ACTION_THROTTLE_RATE, PUBLIC_ACTION_THROTTLE_BURST = 5, 10
THING_TOKEN_THROTTLE_RATE, THING_TOKEN_THROTTLE_BURST = 50, 100
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}'
)
TOKEN_HEADER = "$request.header.Authorization"


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        client: cognito.UserPoolClient,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(self, "HttpApi", create_default_stage=False)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE, burst_limit=THROTTLE_BURST),
        )
        # The L2 stage has no access-log format of its own for HTTP APIs; set it on the L1.
        self.stage.node.default_child.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(  # type: ignore[union-attr]
            destination_arn=access_logs.log_group_arn, format=ACCESS_LOG_FORMAT
        )
        # Users' JWT authorizer: issuer = the pool, audience = the app client; it accepts the token
        # with or without "Bearer " and checks signature, expiry, issuer and aud / client_id.
        # Made here, in the parent stack, so that no nested stack owns it (the construct path is
        # the one `HttpUserPoolAuthorizer` used, so the deployed authorizer keeps its logical id).
        self.user_authorizer = apigwv2.HttpAuthorizer(
            self.http_api,
            "CognitoAuthorizer",
            http_api=self.http_api,
            type=apigwv2.HttpAuthorizerType.JWT,
            identity_source=[TOKEN_HEADER],
            jwt_issuer=f"https://cognito-idp.{Stack.of(self).region}.amazonaws.com/{user_pool.user_pool_id}",
            jwt_audience=[client.user_pool_client_id],
        )
        self._user_routes = apigwv2.HttpAuthorizer.from_http_authorizer_attributes(
            self,
            "UserRoutesAuthorizer",
            authorizer_id=self.user_authorizer.authorizer_id,
            authorizer_type=apigwv2.HttpAuthorizerType.JWT.value,
        )
        # Things' JWT authorizer: the stack's own issuer, under this API (`domain.thing_tokens`):
        # API Gateway reads its discovery document and keys from the two public routes there,
        # and verifies thing tokens (signature, expiry, issuer, audience) with no function run.
        self.thing_token_issuer = f"{self.http_api.api_endpoint}{THING_ISSUER_PATH}"
        self.thing_authorizer = apigwv2.HttpAuthorizer(
            self.http_api,
            "ThingAuthorizer",
            http_api=self.http_api,
            type=apigwv2.HttpAuthorizerType.JWT,
            identity_source=[TOKEN_HEADER],
            jwt_issuer=self.thing_token_issuer,
            jwt_audience=[THING_AUDIENCE],
        )
        self._thing_routes = apigwv2.HttpAuthorizer.from_http_authorizer_attributes(
            self,
            "ThingRoutesAuthorizer",
            authorizer_id=self.thing_authorizer.authorizer_id,
            authorizer_type=apigwv2.HttpAuthorizerType.JWT.value,
        )

    def authorizer_for(self, route: Route) -> apigwv2.IHttpRouteAuthorizer | None:
        """The authorizer API Gateway runs before `route`'s function, chosen by who may call it:
        none for a public route, the users' JWT authorizer for user and operator routes (the
        operator check is the handler's: membership of the `admin` group, SPEC §3.1), the things'
        for device routes."""
        match route.caller:
            case Caller.PUBLIC:
                return None
            case Caller.USER | Caller.OPERATOR:
                return self._user_routes
            case Caller.THING:
                return self._thing_routes
            case _:
                assert_never(route.caller)

    def throttle_for(self, route: Route) -> tuple[int, int] | None:
        """(rate, burst) of a route with a limit of its own, below the stage's: the public routes
        that act, which anyone can hammer without an account. People's (sign-up, sign-in, password
        reset) get a person's limit; the thing-token exchange, which every device calls about once
        per token lifetime, a fleet's (raise it with the fleet: 50/s is 180,000 devices renewing
        hourly tokens)."""
        if not route.public or route.method == "GET":
            return None
        if route.kms:  # the token exchange: the only public route that signs
            return THING_TOKEN_THROTTLE_RATE, THING_TOKEN_THROTTLE_BURST
        return PUBLIC_ACTION_THROTTLE_RATE, PUBLIC_ACTION_THROTTLE_BURST

    def limit(self, route: Route, http_route: apigwv2.HttpRoute) -> None:
        """Give `route` its own throttle on the stage (`throttle_for`), if it has one."""
        throttle = self.throttle_for(route)
        if throttle is None:
            return
        stage: apigwv2.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        settings = dict(stage.route_settings or {})  # type: ignore[call-overload]
        settings[f"{route.method} {route.path}"] = {
            "ThrottlingRateLimit": throttle[0],
            "ThrottlingBurstLimit": throttle[1],
        }
        stage.route_settings = settings
        self.stage.node.add_dependency(http_route)  # a stage's route settings name routes that must exist
