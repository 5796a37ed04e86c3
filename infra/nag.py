"""cdk-nag AwsSolutions findings we accept, each with the reason we would defend.

Acknowledgments are granular (one rule, and for IAM5 one resource pattern) and placed on the
narrowest construct that owns the finding; anything new still fails the synth. The plugin checks
the parent stack and every nested stack (`infra/areas.py`) alike.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Names, Stack, Validations
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

PACK = "AwsSolutions::AwsSolutions"
XRAY_REASON = (
    "xray:PutTraceSegments and xray:PutTelemetryRecords, added by active tracing, have no "
    "resource-level permissions."
)
BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


def _attribute(seen_from: IConstruct, resource: CfnElement, attribute: str) -> str:
    """How cdk-nag names `resource`'s `attribute` in a finding on a construct of `seen_from`'s
    stack: `<LogicalId.Attribute>` in the resource's own stack; in a nested stack, the parameter
    CDK passes it through (`reference-to-<unique id><attribute>`, made alphanumeric)."""
    owner = Stack.of(resource)
    if Stack.of(seen_from) is owner:
        return f"<{owner.get_logical_id(resource)}.{attribute}>"
    return f"<referenceto{Names.unique_id(resource)}{attribute}>"


def acknowledge_reviewed_findings(
    *,
    user_pool: IConstruct,
    tables_of: dict[lambda_.Function, list[dynamodb.Table]],  # the indexed tables each function uses
    public_routes: list[apigwv2.HttpRoute],
    stream_processor: lambda_.Function,
    stream_failures: IConstruct,
) -> None:
    _acknowledge(
        user_pool,
        "COG2",
        "MFA is off: esp-rainmaker-cli, which nodeshare must serve unchanged, signs in with user name "
        "and password and cannot answer an MFA challenge, so a user who enrolled a second factor would "
        "be locked out of it (infra/identity.py).",
    )
    _acknowledge(
        user_pool,
        "COG8",
        "The Cognito Plus feature plan (threat protection) is a per-user cost a self-hosting operator "
        "opts into; the pool works on the Essentials plan and can be upgraded without code changes.",
    )
    for route in public_routes:
        _acknowledge(
            route,
            "APIG4",
            "Public by the spec (SPEC §3.1, §3.2): API versions, sign-in, sign-up, the thing-token "
            "exchange and the thing issuer's discovery document and keys are called before the caller "
            "has a token. Every other route uses the Cognito or the thing JWT authorizer.",
        )
    # Function roles are their own constructs (`infra.functions.InlinePolicyRole`), beside the
    # function: the IAM findings are on the role.
    for function, tables in tables_of.items():
        role = function.role
        assert role is not None, function.node.path
        _acknowledge(
            role,
            f"IAM4[{BASIC_EXECUTION_ROLE}]",
            "AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup/CreateLogStream/PutLogEvents.",
        )
        for table in tables:
            table_arn = _attribute(role, table.node.default_child, "Arn")  # type: ignore[arg-type]
            _acknowledge(
                role,
                f"IAM5[Resource::{table_arn}/index/*]",
                "Queries on this table's own global secondary indexes (the access paths in the README); "
                "the wildcard covers only index names of one table.",
            )
        if function is not stream_processor:
            _acknowledge(role, "IAM5[Resource::*]", XRAY_REASON)
    assert stream_processor.role is not None
    _acknowledge(
        stream_processor.role,
        "IAM5[Resource::*]",
        "dynamodb:ListStreams, added by the DynamoDB event source, has no resource-level permissions; "
        + XRAY_REASON,
    )
    _acknowledge(
        stream_failures,
        "SQS3",
        "This queue is itself the on-failure destination of the stream processor: a dead-letter queue.",
    )
