"""What an operator sees (issue 12): alarms on the cascade, the API, the tables and every function,
all notifying one SNS topic; a dashboard; active tracing; an access log that joins the functions'
logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nodeshare.observability import Count
from nodeshare.store.models import TABLES, TableDefinition

from infra.api import ACCESS_LOG_FORMAT
from infra.monitoring import METRICS_PER_ALARM
from tests.infra.assembly import STACK_NAME, Synthesis
from tests.infra.cfn import get_att, only_resource, ref, resources_of_type, table_ids

Resource = dict[str, Any]


def _alarms(template: dict[str, Any]) -> dict[str, tuple[str, Resource]]:
    """Every alarm by its name: (logical id, properties)."""
    return {
        resource["Properties"]["AlarmName"]: (logical_id, resource["Properties"])
        for logical_id, resource in resources_of_type(template, "AWS::CloudWatch::Alarm").items()
    }


def _metrics(alarm: Resource) -> list[dict[str, Any]]:
    """The metrics an alarm reads (one, or those of its metric math), as `{Namespace, MetricName,
    Dimensions: {name: value}}`."""
    if "MetricName" in alarm:
        found = [alarm]
    else:
        found = [entry["MetricStat"]["Metric"] for entry in alarm["Metrics"] if "MetricStat" in entry]
    return [
        {
            "Namespace": metric["Namespace"],
            "MetricName": metric["MetricName"],
            "Dimensions": {item["Name"]: item["Value"] for item in metric.get("Dimensions", [])},
        }
        for metric in found
    ]


def _alarm_on(template: dict[str, Any], name: str) -> Resource:
    return _alarms(template)[f"{STACK_NAME}-{name}"][1]


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(template: dict[str, Any]) -> None:
    topic_id, _ = only_resource(template, "AWS::SNS::Topic")
    alarms = _alarms(template)

    assert alarms
    for name, (_, alarm) in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["OKActions"] == [{"Ref": topic_id}], name
        assert alarm["TreatMissingData"] == "notBreaching", name  # no traffic is no alarm
        assert name.startswith(f"{STACK_NAME}-"), name  # a notification says which stack


def test_the_topic_mails_nobody_unless_the_context_names_an_address(template: dict[str, Any]) -> None:
    """cdk.json gives no `alarm_email`: no subscription (`test_config.py` gives one)."""
    assert resources_of_type(template, "AWS::SNS::Subscription") == {}


def test_the_stream_failure_queue_alarms_on_its_first_message(template: dict[str, Any]) -> None:
    """The alarm reads the queue the stream mappings send what fails to, and fires on 1 message."""
    mappings = resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    queues = {
        get_att(mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        for mapping in mappings
    }
    assert len(queues) == 1
    ((queue_id, _),) = queues  # type: ignore[misc]
    alarm = _alarm_on(template, "stream-failures")

    assert _metrics(alarm) == [
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": {"QueueName": {"Fn::GetAtt": [queue_id, "QueueName"]}},
        }
    ]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_stream_iterator_age_alarm_reads_the_stream_processor(template: dict[str, Any]) -> None:
    mappings = resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    processors = {ref(mapping["Properties"]["FunctionName"]) for mapping in mappings}
    assert len(processors) == 1
    alarm = _alarm_on(template, "stream-iterator-age")

    assert _metrics(alarm) == [
        {
            "Namespace": "AWS/Lambda",
            "MetricName": "IteratorAge",
            "Dimensions": {"FunctionName": {"Ref": processors.pop()}},
        }
    ]
    assert alarm["Statistic"] == "Maximum"
    assert 0 < alarm["Threshold"] <= 15 * 60 * 1000  # milliseconds: within a quarter of an hour


def test_the_api_alarms_on_a_5xx(template: dict[str, Any]) -> None:
    api_id, _ = only_resource(template, "AWS::ApiGatewayV2::Api")
    alarm = _alarm_on(template, "api-5xx")

    assert _metrics(alarm) == [
        {"Namespace": "AWS/ApiGateway", "MetricName": "5xx", "Dimensions": {"ApiId": {"Ref": api_id}}}
    ]
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1


@pytest.mark.parametrize("definition", TABLES, ids=[definition.name for definition in TABLES])
def test_a_table_alarms_on_throttles_of_the_table_and_each_of_its_indexes(
    template: dict[str, Any], definition: TableDefinition
) -> None:
    table_id = table_ids(template)[definition.name]
    indexes = [index["index_name"] for index in definition.model._get_schema()["global_secondary_indexes"]]
    alarm = _alarm_on(template, f"table-throttles-{definition.name}")

    read = {
        (metric["MetricName"], metric["Dimensions"].get("GlobalSecondaryIndexName"))
        for metric in _metrics(alarm)
    }
    assert read == {
        (name, index) for name in ("ReadThrottleEvents", "WriteThrottleEvents") for index in [None, *indexes]
    }
    assert all(metric["Dimensions"]["TableName"] == {"Ref": table_id} for metric in _metrics(alarm))
    assert all("FILL(" in entry["Expression"] for entry in alarm["Metrics"] if "Expression" in entry)


@pytest.mark.parametrize("metric_name", ["Errors", "Throttles"])
def test_every_function_has_one_alarm_of_each_kind_in_its_own_stack(
    synthesis: Synthesis, metric_name: str
) -> None:
    """Every function (routes, authorizer, trigger, stream processor) is in exactly one errors alarm
    and one throttles alarm, which lives in the function's own stack (an area's nested stack, or
    the parent): no function is forgotten, none counted twice, and no reference crosses stacks."""
    template = synthesis.template
    functions = resources_of_type(template, "AWS::Lambda::Function")
    watched: dict[str, list[str]] = {function_id: [] for function_id in functions}
    for _, (alarm_id, alarm) in _alarms(template).items():
        for metric in _metrics(alarm):
            if metric["Namespace"] == "AWS/Lambda" and metric["MetricName"] == metric_name:
                watched[str(ref(metric["Dimensions"]["FunctionName"]))].append(alarm_id)

    for function_id, alarm_ids in watched.items():
        assert len(alarm_ids) == 1, (function_id, alarm_ids)
        assert synthesis.home(alarm_ids[0]) == synthesis.home(function_id), function_id


def test_no_alarm_reads_more_metrics_than_cloudwatch_allows(template: dict[str, Any]) -> None:
    for name, (_, alarm) in _alarms(template).items():
        assert 1 <= len(_metrics(alarm)) <= METRICS_PER_ALARM == 10, name


def _dashboard_text(template: dict[str, Any]) -> str:
    _, dashboard = only_resource(template, "AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return "".join(part if isinstance(part, str) else json.dumps(part) for part in parts)


def test_the_dashboard_shows_every_alarm_and_the_business_counts(template: dict[str, Any]) -> None:
    text = _dashboard_text(template)

    for name in _alarms(template):
        assert f":alarm:{name}" in text, name
    for count in Count:
        assert f'"{count.value}"' in text, count
    assert '"nodeshare"' in text  # the metrics' namespace (cdk.json gives none: the default)
    for metric_name in ("Errors", "Throttles", "Duration"):  # every function, nested stacks too
        assert f'MetricName=\\"{metric_name}\\" FunctionName={STACK_NAME}' in text, metric_name


def test_every_function_traces_actively(template: dict[str, Any]) -> None:
    """Lambda's active tracing on every function (HTTP APIs have no X-Ray tracing of their own)."""
    functions = resources_of_type(template, "AWS::Lambda::Function")

    assert functions
    for function_id, function in functions.items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, function_id


def test_the_access_log_joins_the_functions_logs_and_names_the_caller() -> None:
    """One JSON object per request: its `requestId` is the `correlation_id` of the function's log
    lines (`http.endpoint`), `functionRequestId` Lambda's request id (`function_request_id`); the
    integration's status and latency, the response latency and the caller are there too."""
    fields = json.loads(ACCESS_LOG_FORMAT)

    assert fields["requestId"] == "$context.requestId"
    assert fields["functionRequestId"] == "$context.integration.requestId"
    assert fields["integrationStatus"] == "$context.integrationStatus"
    assert fields["functionStatus"] == "$context.integration.status"
    assert fields["integrationLatency"] == "$context.integrationLatency"
    assert fields["responseLatency"] == "$context.responseLatency"
    assert fields["caller"] == "$context.authorizer.claims.sub"  # the JWT authorizers'
    assert fields["authorizedCaller"] == "$context.authorizer.sub"  # the either-token authorizer's context
    assert {"status", "routeKey", "ip", "integrationError", "authorizerError"} <= set(fields)
