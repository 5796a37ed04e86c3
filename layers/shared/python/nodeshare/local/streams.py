"""Stream pollers: what Lambda's DynamoDB event source mapping does, done locally.

Each streamed table gets a thread that reads its shards in order and hands batches to the same
stream handler the deployed stack uses, in Lambda's event format. Like the event source mapping
with report-batch-item-failures, a batch is retried from its first failed record; after
`MAX_ATTEMPTS` the record goes to the on-failure list (the local stand-in for the SQS queue).
`STREAM_LAG_SECONDS` holds each record back until that long after it was written, to show that
revocation never waits for the stream. Records the deployed mapping's filters drop
(`nodeshare.store.stream_filters`) are dropped here too, so the handler sees what it would on AWS.
With `checkpoints` (a durable `DATA_DIR`), a poller starts after the last record delivered before
the stack stopped, as an event source mapping goes on where it was.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nodeshare.local.durable import StreamCheckpoints
from nodeshare.local.gateway import HandlerPool, LambdaContext
from nodeshare.observability import logger
from nodeshare.store.stream_filters import logical_table, wanted

MAX_ATTEMPTS = 6  # the first try plus MAX_RETRIES (5), as in infra/streams.py
BATCH_SIZE = 100
POLL_SECONDS = 0.1


@dataclass
class StreamPoller:
    streams_client: Any
    stream_arn: str
    handler: HandlerPool
    lag_seconds: float
    region: str
    stop: threading.Event
    checkpoints: StreamCheckpoints | None = None
    failed: list[dict[str, Any]] = field(default_factory=list)
    delivered: int = 0
    filtered_out: int = 0  # records the mapping's filters drop, never handed to the handler

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name=f"stream:{self.stream_arn}", daemon=True)
        thread.start()
        return thread

    def _shard_iterators(self) -> list[str]:
        shards = self.streams_client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        position = self.checkpoints.position(logical_table(self.stream_arn)) if self.checkpoints else None
        after = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        start = after if position else {"ShardIteratorType": "TRIM_HORIZON"}
        get = self.streams_client.get_shard_iterator
        arn = self.stream_arn
        return [get(StreamArn=arn, ShardId=shard["ShardId"], **start)["ShardIterator"] for shard in shards]

    def _run(self) -> None:
        iterators = self._shard_iterators()
        pending: list[dict[str, Any]] = []
        while not self.stop.is_set():
            next_iterators = []
            for iterator in iterators:
                response = self.streams_client.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
                pending.extend(self._wanted(response.get("Records", [])))
                if response.get("NextShardIterator"):
                    next_iterators.append(response["NextShardIterator"])
            iterators = next_iterators
            pending = self._deliver(pending)
            self.stop.wait(POLL_SECONDS)

    def _deliver(self, pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Deliver the records that are due, in order; returns what is left."""
        due_before = time.time() - self.lag_seconds
        due = 0
        while due < len(pending) and pending[due]["dynamodb"]["ApproximateCreationDateTime"] <= due_before:
            due += 1
        batch, rest = pending[: min(due, BATCH_SIZE)], pending[min(due, BATCH_SIZE) :]
        attempts = 0
        while batch and not self.stop.is_set():
            attempts += 1
            failed_from = self._invoke(batch)
            if failed_from is None:
                self.delivered += len(batch)
                self._delivered_through(batch[-1])
                return rest
            self.delivered += failed_from
            if failed_from:
                self._delivered_through(batch[failed_from - 1])
            batch = batch[failed_from:]
            if attempts >= MAX_ATTEMPTS:
                logger.error(
                    "stream record sent to the on-failure list",
                    sequence=batch[0]["dynamodb"]["SequenceNumber"],
                )
                self.failed.append(batch[0])
                self._delivered_through(batch[0])
                batch, attempts = batch[1:], 0
            else:
                self.stop.wait(min(2.0, 0.05 * 2**attempts))
        return rest

    def _delivered_through(self, record: dict[str, Any]) -> None:
        if self.checkpoints is not None:
            self.checkpoints.delivered(logical_table(self.stream_arn), record["dynamodb"]["SequenceNumber"])

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """Call the handler; None when the whole batch succeeded, else the index to retry from."""
        try:
            response = self.handler.invoke(
                {"Records": batch}, LambdaContext(function_name="process_table_stream")
            )
        except Exception:
            logger.exception("stream handler crashed")
            return 0
        failures = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        for index, record in enumerate(batch):
            if record["dynamodb"]["SequenceNumber"] in failures:
                return index
        return None

    def _wanted(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records as Lambda delivers them, those the mapping's filters let through."""
        table = logical_table(self.stream_arn)
        shaped = [self._lambda_record(record) for record in records]
        kept = [record for record in shaped if wanted(table, record)]
        self.filtered_out += len(shaped) - len(kept)
        return kept

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A streams API record in the shape Lambda delivers it."""
        dynamodb = dict(record["dynamodb"])
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            dynamodb["ApproximateCreationDateTime"] = created.timestamp()
        elif created is None:
            dynamodb["ApproximateCreationDateTime"] = time.time()
        lambda_record = {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", self.region),
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        }
        if record.get("userIdentity"):
            lambda_record["userIdentity"] = record["userIdentity"]
        return lambda_record
