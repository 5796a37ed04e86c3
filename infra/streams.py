"""The cascade processor on the table streams: partial batch failures reported, bisect on error,
bounded retries, an SQS queue for what still fails, and event filters so that only the records
the processor acts on invoke it (`nodeshare.store.stream_filters`; params writes do not)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from nodeshare.routes import STREAM_HANDLER
from nodeshare.store.models import TABLES
from nodeshare.store.stream_filters import FILTERS

from infra.functions import FunctionFactory

MAX_RETRIES = 5


class Streams(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: FunctionFactory,
        tables: dict[str, dynamodb.Table],
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = sqs.Queue(
            self,
            "StreamFailures",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.processor = functions.make(
            # At the stack's top level, where it has always been: a new logical id would replace
            # the event source mappings, which start again at the streams' trim horizon.
            Stack.of(self),
            "ProcessTableStream",
            STREAM_HANDLER,
            tables,
            "Cascade: delete rows left behind by an epoch change; record expiries",
            timeout_seconds=60,
        )
        # The cascade deletes associations (and later grants, requests, role assignments).
        for table in tables.values():
            table.grant_read_write_data(self.processor)
        for definition in TABLES:
            if not definition.stream:
                continue
            self.processor.add_event_source(
                sources.DynamoEventSource(
                    tables[definition.name],
                    starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                    batch_size=100,
                    bisect_batch_on_error=True,
                    retry_attempts=MAX_RETRIES,
                    report_batch_item_failures=True,
                    on_failure=sources.SqsDlq(self.failures),
                    filters=[lambda_.FilterCriteria.filter(dict(p)) for p in FILTERS[definition.name]],
                )
            )
