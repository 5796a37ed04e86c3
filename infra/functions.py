"""How every nodeshare Lambda is made: same runtime, layer, code asset, logging and settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from aws_cdk import AssetHashType, BundlingOptions, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.store.models import TABLES

from infra import FUNCTIONS_SOURCE
from infra.bytecode import CompiledCopyBundling
from infra.config import StageConfig
from infra.layer import ARCHITECTURE, RUNTIME, RUNTIME_VERSION, UNUSED_DOCKER_IMAGE

ENV_VAR = {definition.name: definition.env_var for definition in TABLES}
BASIC_EXECUTION = "service-role/AWSLambdaBasicExecutionRole"


class InlinePolicyRole(iam.Role):
    """A role whose grants (`table.grant_*`, `add_to_role_policy`, event sources) all go into one
    inline policy of the role itself instead of a separate AWS::IAM::Policy resource: one
    CloudFormation resource less per function, the same statements (minimized the same way), and
    no window in which the function exists but its policy does not yet."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope,
            construct_id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(BASIC_EXECUTION)],
        )
        self._access: iam.PolicyDocument | None = None

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        if self._access is None:
            # Rendered lazily, so statements added later are in it; absent while there are none
            # (CloudFormation rejects an inline policy without statements).
            self._access = iam.PolicyDocument()
            role = cast(iam.CfnRole, self.node.default_child)
            role.policies = [iam.CfnRole.PolicyProperty(policy_name="access", policy_document=self._access)]
        self._access.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)


class FunctionFactory:
    def __init__(
        self,
        scope: Construct,
        layer: lambda_.ILayerVersion,
        common_env: dict[str, str],
        config: StageConfig | None = None,
    ) -> None:
        self.layer = layer
        self.common_env = common_env
        self.config = config or StageConfig()
        self._snap_started: set[str] = set()  # node paths of the functions made with SnapStart
        self.made: list[lambda_.Function] = []  # every function, in the order made (monitoring)
        # A code asset binds to one stack: one `Code` per stack (same files, same hash, one upload).
        self._code: dict[str, lambda_.Code] = {}
        # One log group for every function: a group per function is one CloudFormation resource per
        # route. Each record names its function (JSON logging; Powertools' `function_name`), so
        # nothing is lost by sharing.
        self.log_group = logs.LogGroup(
            scope,
            "FunctionLogs",
            retention=self.config.function_log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _code_for(self, scope: Construct) -> lambda_.Code:
        stack = Stack.of(scope).node.path
        if stack not in self._code:
            self._code[stack] = lambda_.Code.from_asset(
                str(FUNCTIONS_SOURCE),
                asset_hash_type=AssetHashType.OUTPUT,  # all that is shipped, bytecode included
                bundling=BundlingOptions(
                    image=UNUSED_DOCKER_IMAGE,
                    # The handlers with their bytecode for Lambda's Python (infra/bytecode.py).
                    local=CompiledCopyBundling(FUNCTIONS_SOURCE, RUNTIME_VERSION),
                ),
            )
        return self._code[stack]

    def make(
        self,
        scope: Construct,
        construct_id: str,
        handler_module: str,
        tables: Mapping[str, dynamodb.ITable],
        description: str,
        timeout_seconds: int = 10,
        exclude_env: tuple[str, ...] = (),
        snap_start: bool = False,
    ) -> lambda_.Function:
        """A function for `functions/<handler_module>.py` in `scope`, told the names of `tables`
        (the caller grants the access) and the common settings but `exclude_env`, with its own
        role (`<construct_id>ServiceRole`)."""
        environment = {key: value for key, value in self.common_env.items() if key not in exclude_env}
        environment.update({ENV_VAR[name]: table.table_name for name, table in tables.items()})
        function = lambda_.Function(
            scope,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{handler_module.replace('.', '/')}.handler",
            code=self._code_for(scope),
            layers=[self.layer],
            role=InlinePolicyRole(scope, f"{construct_id}ServiceRole"),
            memory_size=512,
            timeout=Duration.seconds(timeout_seconds),
            environment=environment,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            # X-Ray traces of each invocation (init, handler, the runtime's own segments), with no
            # SDK in the layer: the cold-start budget (README) has no room for aws-xray-sdk.
            tracing=lambda_.Tracing.ACTIVE,
            description=description,
            **self._snap_start(snap_start),
        )
        if self._snap_start(snap_start):
            self._snap_started.add(function.node.path)
        self.made.append(function)
        return function

    def _snap_start(self, wanted: bool) -> dict[str, object]:
        """SnapStart on published versions, for a function that asks for it (the routes') when the
        stage setting `snap_start` is on; a version replaced by a newer one is deleted with its
        snapshot (which is billed while cached: README, "Cold start")."""
        if not (wanted and self.config.snap_start):
            return {}
        return {
            "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
            "current_version_options": lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
        }

    def invoked(self, function: lambda_.Function) -> lambda_.IFunction:
        """What API Gateway invokes for `function` (call once per function): with SnapStart, its
        alias `live` on the current version (a snapshot exists for published versions only;
        `$LATEST` would initialize from scratch), else the function itself."""
        if function.node.path not in self._snap_started:
            return function
        return lambda_.Alias(function, "Live", alias_name="live", version=function.current_version)
