"""Stage settings from cdk.json's context (`infra/config.py`): with none, the stack is what it always
was; each key changes exactly what it names; a bad value stops the synth, naming the key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import RemovalPolicy
from nodeshare.routes import ROUTES

from infra import ROOT
from infra.config import KEYS, Stage, StageConfig
from tests.infra.assembly import STACK_NAME, synthesize
from tests.infra.cfn import only_resource, resources_of_type

DEV = {
    "stage": "dev",
    "log_retention_days": "7",  # as `cdk deploy -c log_retention_days=7` passes it: a string
    "access_log_retention_days": 14,
    "throttle_rate": "20",
    "throttle_burst": "40",
    "log_level": "debug",
    "alarm_email": "ops@example.test",
    "metrics_namespace": "acme/nodeshare",
    "defaultNodeScope": "none",
    "snap_start": "true",
}


def test_no_context_is_todays_stack() -> None:
    config = StageConfig.parse({})

    assert config == StageConfig()
    assert config.stage is Stage.PROD
    assert config.removal_policy == RemovalPolicy.RETAIN and config.deletion_protection is True
    assert (config.function_log_retention_days, config.access_log_retention_days) == (30, 90)
    assert (config.throttle_rate, config.throttle_burst) == (100, 200)
    assert (config.log_level, config.alarm_email, config.metrics_namespace) == ("INFO", None, "nodeshare")
    assert config.default_node_scope == "all"
    assert config.snap_start is False


def test_values_given_as_strings_on_the_command_line_are_read() -> None:
    config = StageConfig.parse(DEV)

    assert config.stage is Stage.DEV
    assert config.removal_policy == RemovalPolicy.DESTROY and config.deletion_protection is False
    assert (config.function_log_retention_days, config.access_log_retention_days) == (7, 14)
    assert (config.throttle_rate, config.throttle_burst, config.log_level) == (20, 40, "DEBUG")
    assert config.snap_start is True and StageConfig.parse({"snap_start": False}).snap_start is False
    assert set(DEV) == set(KEYS)


@pytest.mark.parametrize(
    ("context", "named"),
    [
        ({"stage": "staging"}, "stage"),
        ({"log_retention_days": "8"}, "log_retention_days"),  # not one CloudWatch offers
        ({"access_log_retention_days": "forever"}, "access_log_retention_days"),
        ({"throttle_rate": "0"}, "throttle_rate"),
        ({"throttle_burst": "-1"}, "throttle_burst"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"alarm_email": "ops"}, "alarm_email"),
        ({"metrics_namespace": "AWS/Lambda"}, "metrics_namespace"),  # AWS's own namespaces
        ({"defaultNodeScope": "everyone"}, "defaultNodeScope"),
        ({"snap_start": "yes"}, "snap_start"),
        ({"stage_name": "dev"}, "stage_name"),  # a misspelt key is not silently ignored
    ],
)
def test_a_bad_value_stops_the_synth_naming_its_key(context: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        StageConfig.parse(context)


def _functions_env(template: dict[str, Any]) -> list[dict[str, str]]:
    return [
        function["Properties"]["Environment"]["Variables"]
        for function in resources_of_type(template, "AWS::Lambda::Function").values()
    ]


def _kept(template: dict[str, Any], resource_type: str) -> set[tuple[str, Any]]:
    """(DeletionPolicy, deletion protection) of every resource of the type."""
    protection = {
        "AWS::DynamoDB::Table": "DeletionProtectionEnabled",
        "AWS::Cognito::UserPool": "DeletionProtection",
    }.get(resource_type)
    return {
        (
            resource.get("DeletionPolicy", "Delete"),
            resource["Properties"].get(protection) if protection else None,
        )
        for resource in resources_of_type(template, resource_type).values()
    }


def test_the_default_stack_keeps_its_data(template: dict[str, Any]) -> None:
    """cdk.json names no stage: tables, user pool and signing key survive the stack, protected."""
    assert _kept(template, "AWS::DynamoDB::Table") == {("Retain", True)}
    assert _kept(template, "AWS::Cognito::UserPool") == {("Retain", "ACTIVE")}
    assert _kept(template, "AWS::KMS::Key") == {("Retain", None)}
    assert {env["POWERTOOLS_LOG_LEVEL"] for env in _functions_env(template)} == {"INFO"}
    assert {env["POWERTOOLS_METRICS_NAMESPACE"] for env in _functions_env(template)} == {"nodeshare"}
    retention = {
        group["Properties"]["RetentionInDays"]
        for group in resources_of_type(template, "AWS::Logs::LogGroup").values()
    }
    assert retention == {30, 90}
    functions = resources_of_type(template, "AWS::Lambda::Function").values()
    assert not [function for function in functions if "SnapStart" in function["Properties"]]
    assert not resources_of_type(template, "AWS::Lambda::Alias")


def _integration_targets(template: dict[str, Any]) -> list[Any]:
    """What each route's integration invokes (the `Ref` or `Fn::GetAtt` in its URI)."""
    return [
        integration["Properties"]["IntegrationUri"]
        for integration in resources_of_type(template, "AWS::ApiGatewayV2::Integration").values()
    ]


def test_a_dev_stage_from_the_context_sets_everything_it_names(tmp_path: Path) -> None:
    """The whole stack synthesized (and checked by cdk-nag) with every setting given: a dev stage's
    data goes with the stack, unprotected; retentions, stage throttle, log level, namespace, the
    default node scope and the alarm e-mail are the context's."""
    template = synthesize(tmp_path, context=DEV).template

    assert _kept(template, "AWS::DynamoDB::Table") == {("Delete", False)}
    assert _kept(template, "AWS::Cognito::UserPool") == {("Delete", "INACTIVE")}
    assert _kept(template, "AWS::KMS::Key") == {("Delete", None)}
    groups = resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert sorted(group["Properties"]["RetentionInDays"] for group in groups) == [7, 14]
    _, stage = only_resource(template, "AWS::ApiGatewayV2::Stage")
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 40,
        "ThrottlingRateLimit": 20,
    }
    environments = _functions_env(template)
    assert {env["POWERTOOLS_LOG_LEVEL"] for env in environments} == {"DEBUG"}
    assert {env["POWERTOOLS_METRICS_NAMESPACE"] for env in environments} == {"acme/nodeshare"}
    assert {env.get("DEFAULT_NODE_SCOPE") for env in environments} - {None} == {"none"}
    topic_id, _ = only_resource(template, "AWS::SNS::Topic")
    _, subscription = only_resource(template, "AWS::SNS::Subscription")
    assert subscription["Properties"] == {
        "Endpoint": "ops@example.test",
        "Protocol": "email",
        "TopicArn": {"Ref": topic_id},
    }
    _, dashboard = only_resource(template, "AWS::CloudWatch::Dashboard")
    assert '"acme/nodeshare"' in str(dashboard["Properties"]["DashboardBody"])
    assert dashboard["Properties"]["DashboardName"] == STACK_NAME
    # SnapStart: every route's function snapshots its published versions, and API Gateway invokes
    # the alias `live` on the current one; the authorizer and the stream processor stay as they are.
    functions = resources_of_type(template, "AWS::Lambda::Function")
    aliases = resources_of_type(template, "AWS::Lambda::Alias")
    targets = _integration_targets(template)
    assert targets and all(target.get("Ref") in aliases for target in targets)
    assert {alias["Properties"]["Name"] for alias in aliases.values()} == {"live"}
    snap_started = {
        logical_id
        for logical_id, function in functions.items()
        if function["Properties"].get("SnapStart") == {"ApplyOn": "PublishedVersions"}
    }
    assert {alias["Properties"]["FunctionName"]["Ref"] for alias in aliases.values()} == snap_started
    assert len(snap_started) == len(targets) == len(ROUTES) < len(functions)  # the routes' alone


def test_the_makefile_pins_the_cdk_cli_to_one_version() -> None:
    """`make synth / diff / deploy` run one exact CLI release (not `aws-cdk@2`, whatever is newest)."""
    makefile = (ROOT / "Makefile").read_text()

    [version] = re.findall(r"^CDK_CLI_VERSION := (\S+)$", makefile, flags=re.MULTILINE)
    assert re.fullmatch(r"2\.\d+\.\d+", version), version
    assert "CDK := npx --yes aws-cdk@$(CDK_CLI_VERSION)" in makefile
    assert re.search(r"^diff: install.*\n\t\$\(CDK\) diff", makefile, flags=re.MULTILINE)
