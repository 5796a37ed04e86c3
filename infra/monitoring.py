"""What an operator sees: alarms that notify one SNS topic (and, given `alarm_email` in cdk.json's
context, an e-mail address), and one CloudWatch dashboard.

Alarms, each named `<stack>-<what>` so that a notification says what broke:

- `stream-failures`: the stream processor's on-failure queue holds a message (a change the cascade
  gave up on after its retries; `infra/streams.py`);
- `stream-iterator-age`: the stream processor is more than `ITERATOR_AGE_LIMIT` behind a stream;
- `api-5xx`: the API answered a 5xx (the functions map every domain error to a 4xx, so a 5xx is a
  bug, a crash, a timeout or a throttle);
- `table-throttles-<table>`: DynamoDB throttled reads or writes of a table or its indexes;
- `<area>-function-errors-<n>`, `<area>-function-throttles-<n>`: Lambda errors (crashes, timeouts,
  out of memory: an error the endpoint answers is no Lambda error) and throttles, summed by metric
  math over at most `METRICS_PER_ALARM` functions of one area (CloudWatch's limit per alarm); the
  description lists the functions. An area's alarms live in its nested stack (`infra/areas.py`),
  beside its functions, so neither the parent template nor any other grows with the routes.

Plain CloudWatch constructs, not cdk-monitoring-constructs: its function monitoring makes alarms
per function (about 200 alarms here at $0.10 a month each, and as many template resources), and
the handful of alarms above need nothing it adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from nodeshare.observability import SERVICE, Count
from nodeshare.store.models import TABLES

from infra.config import StageConfig

T = TypeVar("T")
PERIOD = Duration.minutes(5)
# CloudWatch: an alarm on metric math may use at most 10 metrics.
METRICS_PER_ALARM = 10
ITERATOR_AGE_LIMIT = Duration.minutes(10)
# Any one of these in a period is worth a look: none is expected in normal operation.
API_5XX_LIMIT = 1
FUNCTION_ERRORS_LIMIT = 1
FUNCTION_THROTTLES_LIMIT = 1
TABLE_THROTTLES_LIMIT = 1


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def sum_of(metrics: Sequence[cloudwatch.IMetric], label: str, prefix: str = "m") -> cloudwatch.MathExpression:
    """The sum of `metrics` (at most METRICS_PER_ALARM), a period with no data counting as 0: a
    function not invoked, or a table not throttled, publishes no datapoint at all. `prefix` names
    its metrics (`<prefix>0`, ...): unique per graph that shows several sums."""
    assert 0 < len(metrics) <= METRICS_PER_ALARM, len(metrics)
    using = {f"{prefix}{index}": metric for index, metric in enumerate(metrics)}
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({name}, 0)" for name in using),
        using_metrics=using,
        label=label,
        period=PERIOD,
    )


class Monitoring(Construct):
    """The alarm topic and the alarms on what the parent stack holds; `watch_functions` adds the
    functions' alarms in any stack, `add_dashboard` (last) the dashboard over all of them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        http_api: apigwv2.HttpApi,
        tables: dict[str, dynamodb.Table],
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.stack_name = Stack.of(self).stack_name
        assert not Token.is_unresolved(self.stack_name), "alarm names start with the stack's name"
        self.http_api = http_api
        self.tables = tables
        self.topic = sns.Topic(self, "AlarmTopic", display_name=f"{self.stack_name} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.action = actions.SnsAction(self.topic)
        self.alarm_names: list[str] = []
        self._table_throttles: dict[str, cloudwatch.MathExpression] = {}
        self._alarm(
            self,
            "Api5xx",
            "api-5xx",
            http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            API_5XX_LIMIT,
            "The API answered 5xx: see the access log (integrationStatus, functionStatus, "
            "integrationError) and the function's log lines with that correlation_id.",
        )
        for name, table in tables.items():
            throttles = sum_of(self._throttle_metrics(name, table), f"{name} throttled requests", f"{name}_")
            self._table_throttles[name] = throttles
            self._alarm(
                self,
                f"TableThrottles{name.capitalize()}",
                f"table-throttles-{name}",
                throttles,
                TABLE_THROTTLES_LIMIT,
                f"DynamoDB throttled reads or writes of the {name} table or its indexes.",
            )

    def _throttle_metrics(self, name: str, table: dynamodb.Table) -> list[cloudwatch.IMetric]:
        """Read and write throttle events of the table and of each of its global secondary indexes
        (an index's are its own; on demand, a throttled index also throttles the table's writes)."""
        definition = next(definition for definition in TABLES if definition.name == name)
        indexes = [
            index["index_name"] for index in definition.model._get_schema()["global_secondary_indexes"]
        ]
        found: list[cloudwatch.IMetric] = []
        for index in [None, *indexes]:
            dimensions = {"TableName": table.table_name}
            if index is not None:
                dimensions["GlobalSecondaryIndexName"] = index
            for metric_name in ("ReadThrottleEvents", "WriteThrottleEvents"):
                found.append(
                    cloudwatch.Metric(
                        namespace="AWS/DynamoDB",
                        metric_name=metric_name,
                        dimensions_map=dimensions,
                        statistic="Sum",
                        period=PERIOD,
                    )
                )
        return found

    def _alarm(
        self,
        scope: Construct,
        construct_id: str,
        what: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        name = f"{self.stack_name}-{what}"
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        alarm.add_ok_action(self.action)  # and say when it is over
        self.alarm_names.append(name)
        return alarm

    def watch_stream(self, processor: lambda_.Function, failures: sqs.Queue) -> None:
        """The cascade: its failure queue not empty, its iterator age (how far behind it is)."""
        self._processor, self._failures = processor, failures
        self._alarm(
            self,
            "StreamFailures",
            "stream-failures",
            failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "A table change the stream processor gave up on is in its failure queue: the message names "
            "the shard and sequence numbers; fix the cause, then replay those records.",
        )
        self._alarm(
            self,
            "StreamIteratorAge",
            "stream-iterator-age",
            processor.metric("IteratorAge", period=PERIOD, statistic="Maximum"),
            ITERATOR_AGE_LIMIT.to_milliseconds(),
            f"The stream processor is more than {ITERATOR_AGE_LIMIT.to_minutes()} minutes behind a "
            "table stream (the cascade waits; access decisions do not).",
        )

    def watch_functions(self, scope: Construct, area: str, functions: Sequence[lambda_.Function]) -> None:
        """Errors and throttles of `functions`, alarms in `scope` (the area's stack), at most
        METRICS_PER_ALARM functions each, in the order given. The construct ids name the area:
        logical ids are unique across the nested stacks too."""
        prefix = "".join(part.capitalize() for part in area.split("-"))
        for number, chunk in enumerate(chunks(functions, METRICS_PER_ALARM), start=1):
            names = ", ".join(function.node.id for function in chunk)
            self._alarm(
                scope,
                f"{prefix}FunctionErrors{number}",
                f"{area}-function-errors-{number}",
                sum_of(
                    [function.metric_errors(period=PERIOD, statistic="Sum") for function in chunk], "errors"
                ),
                FUNCTION_ERRORS_LIMIT,
                f"Lambda errors (crash, timeout, out of memory) of: {names}.",
            )
            self._alarm(
                scope,
                f"{prefix}FunctionThrottles{number}",
                f"{area}-function-throttles-{number}",
                sum_of(
                    [function.metric_throttles(period=PERIOD, statistic="Sum") for function in chunk],
                    "throttles",
                ),
                FUNCTION_THROTTLES_LIMIT,
                f"Lambda throttled invocations (account or function concurrency) of: {names}.",
            )

    def add_dashboard(self) -> cloudwatch.Dashboard:
        """One dashboard: every alarm's state, the API, all functions of the stack, the cascade,
        the tables and the business counts. Call it after every alarm was made."""
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self.stack_name)
        alarms = [
            cloudwatch.Alarm.from_alarm_name(self, f"Watched{index}", name)
            for index, name in enumerate(self.alarm_names)
        ]
        dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms, width=24, height=4))
        api = self.http_api
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    api.metric_count(period=PERIOD, statistic="Sum"),
                    api.metric_client_error(period=PERIOD, statistic="Sum"),
                    api.metric_server_error(period=PERIOD, statistic="Sum"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[
                    api.metric_latency(period=PERIOD, statistic="p50", label="latency p50"),
                    api.metric_latency(period=PERIOD, statistic="p99", label="latency p99"),
                    api.metric_integration_latency(period=PERIOD, statistic="p99", label="integration p99"),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=f"Functions: {metric_name}", left=[self._functions(metric_name, stat)], width=8
                )
                for metric_name, stat in (("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "p99"))
            )
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Cascade: iterator age (ms)",
                left=[self._processor.metric("IteratorAge", period=PERIOD, statistic="Maximum")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Cascade: failure queue",
                left=[self._failures.metric_approximate_number_of_messages_visible(statistic="Maximum")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Tables: throttled requests", left=list(self._table_throttles.values()), width=8
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Business counts",
                left=[
                    cloudwatch.Metric(
                        namespace=self.config.metrics_namespace,
                        metric_name=count.value,
                        dimensions_map={"service": SERVICE},
                        statistic="Sum",
                        period=Duration.hours(1),
                    )
                    for count in Count
                ],
                width=24,
            )
        )
        return dashboard

    def _functions(self, metric_name: str, statistic: str) -> cloudwatch.SearchExpression:
        """`metric_name` of every function of this stack, one line each. CloudFormation names each
        function after its stack, and a nested stack after its parent, so a search on the stack's
        name finds the nested stacks' functions too, without a reference to each (it is a partial
        match: another stack whose name contains this one's shows up as well)."""
        return cloudwatch.SearchExpression(
            expression=(
                f'SEARCH(\'{{AWS/Lambda,FunctionName}} MetricName="{metric_name}" '
                f"FunctionName={self.stack_name}', '{statistic}', {PERIOD.to_seconds()})"
            ),
            label="",
            period=PERIOD,
        )
