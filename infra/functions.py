"""How every nodeshare Lambda is made: same runtime, layer, code asset, logging and settings."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.store.models import TABLES

from infra import FUNCTIONS_SOURCE
from infra.layer import ARCHITECTURE, RUNTIME

ENV_VAR = {definition.name: definition.env_var for definition in TABLES}


class FunctionFactory:
    def __init__(self, scope: Construct, layer: lambda_.ILayerVersion, common_env: dict[str, str]) -> None:
        self.scope = scope
        self.layer = layer
        self.common_env = common_env
        self.code = lambda_.Code.from_asset(str(FUNCTIONS_SOURCE), exclude=["**/__pycache__", "**/*.pyc"])
        # One log group for every function: a group per function is one CloudFormation resource per
        # route, and the stack must stay under 500 resources. Each record names its function
        # (JSON logging; Powertools' `function_name`), so nothing is lost by sharing.
        self.log_group = logs.LogGroup(
            scope,
            "FunctionLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def make(
        self,
        construct_id: str,
        handler_module: str,
        tables: dict[str, dynamodb.Table],
        description: str,
        timeout_seconds: int = 10,
        exclude_env: tuple[str, ...] = (),
    ) -> lambda_.Function:
        """A function for `functions/<handler_module>.py`, told the names of `tables`
        (the caller grants the access) and the common settings but `exclude_env`."""
        environment = {key: value for key, value in self.common_env.items() if key not in exclude_env}
        environment.update({ENV_VAR[name]: table.table_name for name, table in tables.items()})
        return lambda_.Function(
            self.scope,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{handler_module.replace('.', '/')}.handler",
            code=self.code,
            layers=[self.layer],
            memory_size=512,
            timeout=Duration.seconds(timeout_seconds),
            environment=environment,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            description=description,
        )
