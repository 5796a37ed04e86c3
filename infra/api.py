"""The HTTP API's shared pieces: the API, its `$default` stage with throttling and access logs,
and the JWT authorizer(s). The routes themselves live in one nested stack per area
(`infra/areas.py`); `authorizer_for` is the one place that picks a route's authorizer."""

from __future__ import annotations

from typing import assert_never

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.domain.thing_tokens import AUDIENCE as THING_AUDIENCE
from nodeshare.routes import THING_ISSUER_PATH, Caller, Route

from infra.config import StageConfig

# The public routes that act — sign-up, sign-in, password reset — are what anyone can hammer without
# an account (guessing passwords, mailing codes): a much lower limit than the stage's, per route.
PUBLIC_ACTION_THROTTLE_RATE, PUBLIC_ACTION_THROTTLE_BURST = 5, 10
THING_TOKEN_THROTTLE_RATE, THING_TOKEN_THROTTLE_BURST = 50, 100
# One JSON line per request. `requestId` is API Gateway's id, the `correlation_id` of every line
# the route's function logs (`http.endpoint`); `functionRequestId` is the Lambda invocation's id,
# its `function_request_id`. `integrationStatus` is Lambda's answer to the invocation (a crash or a
# throttle shows here), `functionStatus` the status the function returned; `caller` is the token's
# `sub` (a user's id, or a thing token's node) from a JWT authorizer, `authorizedCaller` the same
# from the either-token Lambda authorizer's context.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationStatus":"$context.integrationStatus","functionStatus":"$context.integration.status",'
    '"integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency",'
    '"functionRequestId":"$context.integration.requestId",'
    '"caller":"$context.authorizer.claims.sub","authorizedCaller":"$context.authorizer.sub",'
    '"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}'
)
TOKEN_HEADER = "$request.header.Authorization"
# How long API Gateway keeps the either-token authorizer's answer for one token: shorter than any
# token lives; a rotated secret or a lost group membership is still refused by the route itself.
AUTHORIZER_CACHE = Duration.minutes(5)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        client: cognito.UserPoolClient,
        config: StageConfig | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        config = config or StageConfig()
        self.http_api = apigwv2.HttpApi(self, "HttpApi", create_default_stage=False)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=config.access_log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate, burst_limit=config.throttle_burst
            ),
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
        self._either_routes: apigwv2.IHttpRouteAuthorizer | None = None
        self._thing_routes = apigwv2.HttpAuthorizer.from_http_authorizer_attributes(
            self,
            "ThingRoutesAuthorizer",
            authorizer_id=self.thing_authorizer.authorizer_id,
            authorizer_type=apigwv2.HttpAuthorizerType.JWT.value,
        )

    def use_either_token_authorizer(self, function: lambda_.IFunction) -> None:
        """The Lambda authorizer of the routes a user or a thing may call (`Caller.USER_OR_THING`,
        `functions/authorizers/either_token.py`): simple responses, payload 2.0, its answer cached
        per token for `AUTHORIZER_CACHE`. It runs only for those few routes (Kii's PIN and
        ownership-check routes); every other route keeps a JWT authorizer, which runs no function."""
        stack = Stack.of(self)
        self.either_authorizer = apigwv2.HttpAuthorizer(
            self.http_api,
            "EitherTokenAuthorizer",
            http_api=self.http_api,
            type=apigwv2.HttpAuthorizerType.LAMBDA,
            identity_source=[TOKEN_HEADER],
            authorizer_uri=(
                f"arn:{stack.partition}:apigateway:{stack.region}:lambda:path/2015-03-31/functions/"
                f"{function.function_arn}/invocations"
            ),
            enable_simple_responses=True,
            payload_format_version=apigwv2.AuthorizerPayloadVersion.VERSION_2_0,
            results_cache_ttl=AUTHORIZER_CACHE,
        )
        function.add_permission(
            "InvokedByTheApi",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=stack.format_arn(
                service="execute-api",
                resource=self.http_api.api_id,
                resource_name=f"authorizers/{self.either_authorizer.authorizer_id}",
            ),
        )
        self._either_routes = apigwv2.HttpAuthorizer.from_http_authorizer_attributes(
            self,
            "EitherRoutesAuthorizer",
            authorizer_id=self.either_authorizer.authorizer_id,
            authorizer_type="CUSTOM",  # what a route with a Lambda authorizer says
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
            case Caller.USER_OR_THING:
                assert self._either_routes is not None, "use_either_token_authorizer first"
                return self._either_routes
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
