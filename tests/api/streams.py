"""The table streams, delivered on demand in api tests: what the local stack's pollers (and Lambda's
event source mapping) do, done when a test says so, against moto's in-process streams.

Like the mapping, it hands the handler only the records its filters let through
(`store.stream_filters`), and it checks on every record that the filters drop none the
processor acts on (`domain.cascade.acts_on`): any api test that writes and delivers checks it."""

from __future__ import annotations

from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from nodeshare.domain.cascade import acts_on
from nodeshare.local.gateway import LambdaContext
from nodeshare.store.models import TABLES
from nodeshare.store.stream_filters import wanted

REGION = "us-east-1"


class Streams:
    """Delivers every record not delivered yet, table by table, to the real stream handler. The
    records are read from moto's backend: its in-process mock serves no DynamoDB Streams API."""

    def __init__(self) -> None:
        self.delivered: set[str] = set()  # event ids seen (handed over or filtered out)
        self.filtered_out: list[dict[str, Any]] = []  # the records the filters dropped

    def deliver(self) -> int:
        """Hand every new record to `streams.process_table_stream`; how many were delivered."""
        from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

        from functions.streams.process_table_stream import change_of, handler

        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        count = 0
        for table in TABLES:
            if not table.stream:
                continue
            emulated = backend.get_table(table.model.Meta.table_name)
            arn = f"{emulated.table_arn}/stream/{emulated.latest_stream_label}"
            records = [
                _lambda_record(item.record, str(arn))
                for item in emulated.stream_shard.items
                if item.record["eventID"] not in self.delivered
            ]
            self.delivered.update(record["eventID"] for record in records)
            kept = [record for record in records if wanted(table.name, record)]
            for record in records:
                if record not in kept:
                    assert not acts_on(change_of(DynamoDBRecord(record))), f"filtered out: {record}"
                    self.filtered_out.append(record)
            if not kept:
                continue
            answer = handler({"Records": kept}, LambdaContext(function_name="process_table_stream"))
            assert answer == {"batchItemFailures": []}, answer
            count += len(kept)
        return count


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "eventVersion": "1.1", "dynamodb": dynamodb, "eventSourceARN": arn}
