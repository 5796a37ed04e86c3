"""The table streams, delivered on demand in api tests: what the local stack's pollers (and Lambda's
event source mapping) do, done when a test says so, against moto's in-process streams."""

from __future__ import annotations

from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from nodeshare.local.gateway import LambdaContext
from nodeshare.store.models import TABLES

REGION = "us-east-1"


class Streams:
    """Delivers every record not delivered yet, table by table, to the real stream handler. The
    records are read from moto's backend: its in-process mock serves no DynamoDB Streams API."""

    def __init__(self) -> None:
        self.delivered: set[str] = set()

    def deliver(self) -> int:
        """Hand every new record to `streams.process_table_stream`; how many were delivered."""
        from functions.streams.process_table_stream import handler

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
            if not records:
                continue
            answer = handler({"Records": records}, LambdaContext(function_name="process_table_stream"))
            assert answer == {"batchItemFailures": []}, answer
            self.delivered.update(record["eventID"] for record in records)
            count += len(records)
        return count


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "eventVersion": "1.1", "dynamodb": dynamodb, "eventSourceARN": arn}
