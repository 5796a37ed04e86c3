"""The local stack's DynamoDB Streams, as the pollers read them (`nodeshare.local.moto_speedup`):
a TransactWriteItems that fails must neither leave records of the writes it undid (the cascade
would act on changes that never happened, such as an epoch that never moved) nor cut the pollers
off from every later record; and a long run of writes must not keep every record forever."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from nodeshare.local.emulator import Credentials, SerializedMotoServer
from nodeshare.local.moto_speedup import RETAINED_STREAM_RECORDS


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str, str]]:
    """The local stack's emulator (with its patches), a fresh streamed table and an iterator at
    the start of its stream."""
    credentials = Credentials.drawn()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key)
    server = SerializedMotoServer(credentials, "us-east-1")
    try:
        signed = {
            "endpoint_url": server.endpoint,
            "region_name": "us-east-1",
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
        }
        dynamodb = boto3.client("dynamodb", **signed)
        streams = boto3.client("dynamodbstreams", **signed)
        table = f"streamed-{uuid.uuid4().hex[:8]}"
        arn = dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        yield dynamodb, streams, iterator, table
    finally:
        server.stop()


def put(table: str, item_id: str, **condition: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {"id": {"S": item_id}}, **condition}}


def read(streams: Any, iterator: str) -> tuple[list[str], str]:
    response = streams.get_records(ShardIterator=iterator, Limit=1000)
    ids = [record["dynamodb"]["Keys"]["id"]["S"] for record in response["Records"]]
    return ids, response["NextShardIterator"]


def test_a_failed_transaction_leaves_no_record_and_later_writes_still_stream(clients):
    dynamodb, streams, iterator, table = clients
    dynamodb.put_item(TableName=table, Item={"id": {"S": "taken"}})
    seen, iterator = read(streams, iterator)
    assert seen == ["taken"]
    # A transaction whose first write lands and whose second is refused: both undone
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                put(table, "phantom"),
                put(table, "taken", ConditionExpression="attribute_not_exists(id)"),
            ]
        )
    dynamodb.put_item(TableName=table, Item={"id": {"S": "after"}})
    seen, iterator = read(streams, iterator)
    assert seen == ["after"]
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "phantom"}})


def test_records_read_long_ago_are_let_go(clients):
    dynamodb, streams, iterator, table = clients
    for index in range(RETAINED_STREAM_RECORDS + 50):
        dynamodb.transact_write_items(TransactItems=[put(table, f"item{index}")])
        if index % 200 == 0:
            _, iterator = read(streams, iterator)
    seen, _ = read(streams, iterator)
    assert seen and seen[-1] == f"item{RETAINED_STREAM_RECORDS + 49}"
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].tables[table].stream_shard
    assert len(shard.items) <= RETAINED_STREAM_RECORDS


def test_a_failed_transaction_puts_back_exactly_the_items_it_named_without_copying_the_table(
    clients, monkeypatch: pytest.MonkeyPatch
):
    """The backup is of the items a transaction names, not of whole tables (the archive grows
    with every params write: copying it made each write slower than the last, bench `load`)."""
    import copy

    import moto.dynamodb.models as models

    dynamodb, _, _, table = clients
    for index in range(300):  # a table much larger than the transaction
        dynamodb.put_item(TableName=table, Item={"id": {"S": f"other-{index}"}, "n": {"N": "0"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "kept"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "gone"}, "n": {"N": "2"}})
    copied: list[str] = []
    real_deepcopy = copy.deepcopy

    def counting(obj: Any, memo: Any = None) -> Any:
        copied.append(type(obj).__name__)
        return real_deepcopy(obj, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        update = {
            "TableName": table,
            "Key": {"id": {"S": "kept"}},
            "UpdateExpression": "SET n = :n",
            "ExpressionAttributeValues": {":n": {"N": "9"}},
        }
        dynamodb.transact_write_items(
            TransactItems=[
                {"Update": update},
                {"Delete": {"TableName": table, "Key": {"id": {"S": "gone"}}}},
                put(table, "new"),
                put(table, "kept-too", ConditionExpression="attribute_exists(id)"),  # refused
            ]
        )
    # a few values of the named items, never the table (300 items) nor its items one by one
    assert "Table" not in copied and len(copied) < 50, copied
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "kept"}})["Item"]
    assert item["n"] == {"N": "1"}
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "gone"}})["Item"]["n"] == {"N": "2"}
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "new"}})
    assert dynamodb.scan(TableName=table, Select="COUNT")["Count"] == 302
    assert models.copy.deepcopy is not copy.deepcopy  # the patch is in place
