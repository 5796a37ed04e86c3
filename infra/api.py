"""The HTTP API: one Lambda per route of the route table, a Cognito JWT authorizer, stage
throttling and access logs, and IAM for exactly what each route's entry lists."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.routes import ROUTES, Route

from infra.functions import FunctionFactory

THROTTLE_RATE, THROTTLE_BURST = 100, 200
# The public routes that act — sign-up, sign-in, password reset — are what anyone can hammer without
# an account (guessing passwords, mailing codes): a much lower limit than the stage's, per route.
PUBLIC_ACTION_THROTTLE_RATE, PUBLIC_ACTION_THROTTLE_BURST = 5, 10
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}'
)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: FunctionFactory,
        tables: dict[str, dynamodb.Table],
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
        # HTTP API JWT authorizer: issuer = the pool, audience = the app client; it accepts the token
        # with or without "Bearer " and checks signature, expiry, issuer and aud / client_id.
        self.authorizer = authorizers.HttpUserPoolAuthorizer(
            "CognitoAuthorizer", user_pool, user_pool_clients=[client]
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.public_routes: list[apigwv2.HttpRoute] = []
        for route in ROUTES:
            self.functions[route.operation] = self._route(route, functions, tables, user_pool)

    def _route(
        self,
        route: Route,
        functions: FunctionFactory,
        tables: dict[str, dynamodb.Table],
        pool: cognito.UserPool,
    ) -> lambda_.Function:
        construct_id = "".join(part.capitalize() for part in route.operation.split("_"))
        used = {name: tables[name] for name in route.tables}
        function = functions.make(construct_id, route.handler, used, route.summary)
        for name in route.reads:
            if name not in route.writes:
                tables[name].grant_read_data(function)
        for name in route.writes:
            tables[name].grant_read_write_data(function)
        if route.cognito:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(route.cognito), resources=[pool.user_pool_arn])
            )
        http_routes = self.http_api.add_routes(
            path=route.path,
            methods=[apigwv2.HttpMethod(route.method)],
            integration=integrations.HttpLambdaIntegration(f"{construct_id}Integration", function),
            authorizer=None if route.public else self.authorizer,
        )
        if route.public:
            self.public_routes.extend(http_routes)
        if route.public and route.method != "GET":
            self._throttle_tighter(f"{route.method} {route.path}", http_routes)
        return function

    def _throttle_tighter(self, route_key: str, http_routes: list[apigwv2.HttpRoute]) -> None:
        stage: apigwv2.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        settings = dict(stage.route_settings or {})  # type: ignore[call-overload]
        settings[route_key] = {
            "ThrottlingRateLimit": PUBLIC_ACTION_THROTTLE_RATE,
            "ThrottlingBurstLimit": PUBLIC_ACTION_THROTTLE_BURST,
        }
        stage.route_settings = settings
        for http_route in http_routes:  # a stage's route settings name routes that must exist
            self.stage.node.add_dependency(http_route)
