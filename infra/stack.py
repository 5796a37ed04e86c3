"""The nodeshare stack: composes identity, tables, the layer, the API, its routes (one nested
stack per area, `infra/areas.py`), the stream processor and monitoring, all set up from the
context's stage settings (`infra/config.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct
from nodeshare.routes import EITHER_TOKEN_AUTHORIZER, ROUTES, USER_TRIGGER, Route
from nodeshare.settings import NINETY_DAYS, SEVEN_DAYS

from infra.api import Api
from infra.areas import RouteArea, routes_by_area
from infra.config import StageConfig
from infra.functions import FunctionFactory
from infra.identity import Identity
from infra.layer import SharedLayer
from infra.monitoring import Monitoring
from infra.nag import acknowledge_reviewed_findings
from infra.streams import Streams
from infra.tables import Tables
from infra.thing_tokens import ThingTokenKey


class NodeshareStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, routes: Sequence[Route] = ROUTES, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # The scope of a node registered without any (`domain.scopes`) is the config's
        # `default_node_scope`: `cdk deploy -c defaultNodeScope=none` for EVRYTHNG's "nobody until
        # scoped"; "all" otherwise.
        self.config = config = StageConfig.of(self)
        identity = Identity(self, "Identity", config)
        tables = Tables(self, "Tables", config)
        layer = SharedLayer(self, "Shared")
        api = Api(self, "Api", user_pool=identity.user_pool, client=identity.client, config=config)
        thing_key = ThingTokenKey(self, "ThingTokens", config)
        monitoring = Monitoring(
            self, "Monitoring", config=config, http_api=api.http_api, tables=tables.by_name
        )
        functions = FunctionFactory(
            self,
            layer.layer,
            {
                "THING_KEY_ID": thing_key.key.key_id,
                "THING_TOKEN_ISSUER": api.thing_token_issuer,
                "USER_POOL_ID": identity.user_pool.user_pool_id,
                "USER_POOL_CLIENT_ID": identity.client.user_pool_client_id,
                "REQUEST_TTL_SECONDS": str(SEVEN_DAYS),
                "ARCHIVE_RETENTION_SECONDS": str(NINETY_DAYS),
                "DEFAULT_NODE_SCOPE": config.default_node_scope,
                "POWERTOOLS_SERVICE_NAME": "nodeshare",
                "POWERTOOLS_LOG_LEVEL": config.log_level,
                "POWERTOOLS_METRICS_NAMESPACE": config.metrics_namespace,
            },
            config,
        )
        user_trigger = identity.add_user_trigger(functions, tables.by_name)
        either_token = functions.make(
            self,
            "EitherTokenAuthorizer",
            EITHER_TOKEN_AUTHORIZER.handler,
            {},
            EITHER_TOKEN_AUTHORIZER.summary,
        )
        either_token.add_to_role_policy(
            iam.PolicyStatement(actions=list(EITHER_TOKEN_AUTHORIZER.kms), resources=[thing_key.key.key_arn])
        )
        api.use_either_token_authorizer(either_token)
        self.areas = [
            RouteArea(
                self,
                area,
                routes=routes,
                api=api,
                functions=functions,
                tables=tables.by_name,
                user_pool=identity.user_pool,
                thing_key=thing_key.key,
                monitoring=monitoring,
            )
            for area, routes in routes_by_area(routes).items()
        ]
        streams = Streams(self, "Streams", functions=functions, tables=tables.by_name)
        monitoring.watch_stream(streams.processor, streams.failures)
        monitoring.watch_functions(monitoring, "shared", [streams.processor, either_token, user_trigger])
        monitoring.add_dashboard()
        CfnOutput(self, "ApiUrl", value=api.http_api.api_endpoint)
        CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=identity.client.user_pool_client_id)
        CfnOutput(self, "UsersTableName", value=tables.by_name["users"].table_name)  # make operator
        route_functions = {
            area.functions[route.operation]: route for area in self.areas for route in area.routes
        }
        acknowledge_reviewed_findings(
            user_pool=identity.user_pool,
            tables_of={
                **{
                    function: [tables.by_name[name] for name in route.tables if name in tables.indexed]
                    for function, route in route_functions.items()
                },
                streams.processor: [tables.by_name[name] for name in tables.indexed],
                either_token: [],
                user_trigger: [
                    tables.by_name[name] for name in USER_TRIGGER.tables if name in tables.indexed
                ],
            },
            public_routes=[route for area in self.areas for route in area.public_routes],
            stream_processor=streams.processor,
            stream_failures=streams.failures,
        )
