"""The nodeshare stack: composes identity, tables, the layer, the API and the stream processor."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct
from nodeshare.routes import ROUTES
from nodeshare.settings import DEFAULT_NODE_SCOPES, NINETY_DAYS, SEVEN_DAYS

from infra.api import Api
from infra.functions import FunctionFactory
from infra.identity import Identity
from infra.layer import SharedLayer
from infra.nag import acknowledge_reviewed_findings
from infra.streams import Streams
from infra.tables import Tables


class NodeshareStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # The scope of a node registered without any (`domain.scopes`): `cdk deploy -c
        # defaultNodeScope=none` for EVRYTHNG's "nobody until scoped"; "all" otherwise.
        default_node_scope = str(self.node.try_get_context("defaultNodeScope") or DEFAULT_NODE_SCOPES[0])
        if default_node_scope not in DEFAULT_NODE_SCOPES:
            raise ValueError(f"defaultNodeScope must be one of {', '.join(DEFAULT_NODE_SCOPES)}")
        identity = Identity(self, "Identity")
        tables = Tables(self, "Tables")
        layer = SharedLayer(self, "Shared")
        functions = FunctionFactory(
            self,
            layer.layer,
            {
                "USER_POOL_ID": identity.user_pool.user_pool_id,
                "USER_POOL_CLIENT_ID": identity.client.user_pool_client_id,
                "REQUEST_TTL_SECONDS": str(SEVEN_DAYS),
                "ARCHIVE_RETENTION_SECONDS": str(NINETY_DAYS),
                "DEFAULT_NODE_SCOPE": default_node_scope,
                "POWERTOOLS_SERVICE_NAME": "nodeshare",
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
        )
        api = Api(
            self,
            "Api",
            functions=functions,
            tables=tables.by_name,
            user_pool=identity.user_pool,
            client=identity.client,
        )
        streams = Streams(self, "Streams", functions=functions, tables=tables.by_name)
        CfnOutput(self, "ApiUrl", value=api.http_api.api_endpoint)
        CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=identity.client.user_pool_client_id)
        acknowledge_reviewed_findings(
            self,
            user_pool=identity.user_pool,
            tables_of={
                **{
                    api.functions[route.operation]: [
                        tables.by_name[name] for name in route.tables if name in tables.indexed
                    ]
                    for route in ROUTES
                },
                streams.processor: [tables.by_name[name] for name in tables.indexed],
            },
            public_routes=api.public_routes,
            stream_processor=streams.processor,
            stream_failures=streams.failures,
        )
