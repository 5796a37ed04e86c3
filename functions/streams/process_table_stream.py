"""The cascade processor, fed by the table streams (Lambda event source mapping, or locally the
stream pollers). Reports partial batch failures so one bad record never blocks the shard."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from nodeshare.domain.cascade import DYNAMODB_SERVICE, Change, apply
from nodeshare.observability import logger, publish_counts
from nodeshare.store.stream_filters import logical_table

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def change_of(record: DynamoDBRecord) -> Change:
    identity = record.raw_event.get("userIdentity") or {}
    return Change(
        table=logical_table(record.event_source_arn or ""),
        event=record.event_name.name if record.event_name else "",
        old=record.dynamodb.old_image if record.dynamodb else None,
        new=record.dynamodb.new_image if record.dynamodb else None,
        by_ttl=identity.get("type") == "Service" and identity.get("principalId") == DYNAMODB_SERVICE,
    )


def record_handler(record: DynamoDBRecord) -> None:
    apply(change_of(record))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        publish_counts()  # the batch's cascade deletions and expiries
