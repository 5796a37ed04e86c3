"""The local stack's state in DATA_DIR (`nodeshare.local.durable`), on the embedded emulator in
this process: what was answered survives a stop with no chance to save (the journal), is applied
exactly once after a stop between a snapshot and the journal's truncation, keeps its stream
records' sequence numbers, and a second stack cannot share the folder."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from nodeshare.local.durable import DataDir, DataDirError, DurableState
from nodeshare.local.emulator import Credentials, SerializedMotoServer

TABLE = "durable-counters"
REGION = "us-east-1"


class Emulator:
    """One run of the embedded emulator on a DATA_DIR; `crash` stops it with nothing saved."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _forget_everything()  # a new process would start with nothing in memory
        self.credentials = Credentials.drawn()
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", self.credentials.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", self.credentials.secret_access_key)
        self.durable = DurableState(DataDir(path))
        self.server = SerializedMotoServer(self.credentials, REGION, self.durable)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.server.endpoint,
            region_name=REGION,
            aws_access_key_id=self.credentials.access_key_id,
            aws_secret_access_key=self.credentials.secret_access_key,
        )

    def crash(self) -> None:
        """As `kill -9` would: the server gone, the folder's lock released, nothing compacted."""
        self.server.server.shutdown()
        self.server.thread.join()
        self.durable.data_dir.release()

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def running(path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A run of the emulator on `path`, stopped cleanly at the end."""
    emulator = Emulator(path, monkeypatch)
    try:
        yield emulator
    finally:
        emulator.stop()


def _forget_everything() -> None:
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.dynamodb.models import dynamodb_backends
    from moto.kms.models import kms_backends

    for backends in (dynamodb_backends, cognitoidp_backends, kms_backends):
        for account in backends.values():
            account.reset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    _forget_everything()


def create_counters(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def add_one(dynamodb: Any, counter: str = "c") -> None:
    dynamodb.update_item(
        TableName=TABLE,
        Key={"id": {"S": counter}},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def hits(dynamodb: Any, counter: str = "c") -> int:
    item = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": counter}}, ConsistentRead=True).get("Item")
    return int(item["hits"]["N"]) if item else 0


def stream_sequence_numbers(emulator: Emulator) -> list[str]:
    dynamodb, streams = emulator.client("dynamodb"), emulator.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return [record["dynamodb"]["SequenceNumber"] for record in records]


def test_what_was_answered_survives_a_stop_with_nothing_saved(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    first = Emulator(data_dir, monkeypatch)
    create_counters(first.client("dynamodb"))
    for _ in range(3):
        add_one(first.client("dynamodb"))
    sequence_numbers = stream_sequence_numbers(first)
    user_pool = first.client("cognito-idp").create_user_pool(PoolName="kept")["UserPool"]["Id"]
    first.crash()

    with running(data_dir, monkeypatch) as again:
        assert hits(again.client("dynamodb")) == 3
        # the same stream records, under the same sequence numbers (the pollers' checkpoints name them)
        assert stream_sequence_numbers(again) == sequence_numbers
        pools = again.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
        assert [pool["Id"] for pool in pools] == [user_pool]


def test_a_clean_stop_folds_the_journal_into_the_snapshot(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    first = Emulator(data_dir, monkeypatch)
    create_counters(first.client("dynamodb"))
    add_one(first.client("dynamodb"))
    assert (data_dir / "dynamodb.journal").exists()
    first.stop()
    assert not (data_dir / "dynamodb.journal").exists()

    with running(data_dir, monkeypatch) as again:
        assert hits(again.client("dynamodb")) == 1


def test_a_stop_between_snapshot_and_truncation_applies_nothing_twice(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    first = Emulator(data_dir, monkeypatch)
    create_counters(first.client("dynamodb"))
    add_one(first.client("dynamodb"))
    add_one(first.client("dynamodb"))
    journal = (data_dir / "dynamodb.journal").read_bytes()
    first.durable.compact()  # the snapshot now holds both additions…
    (data_dir / "dynamodb.journal").write_bytes(journal)  # …and the stop came before the truncation
    first.crash()

    with running(data_dir, monkeypatch) as again:
        assert hits(again.client("dynamodb")) == 2
        assert again.durable.replayed == 0


def test_a_journal_line_cut_short_was_never_answered(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    first = Emulator(data_dir, monkeypatch)
    create_counters(first.client("dynamodb"))
    add_one(first.client("dynamodb"))
    first.crash()
    with open(data_dir / "dynamodb.journal", "ab") as journal:
        journal.write(b'{"sequence": 99, "target": "DynamoDB_20120810.UpdateItem", "bo')

    with running(data_dir, monkeypatch) as again:
        assert hits(again.client("dynamodb")) == 1


def test_refused_writes_and_reads_are_not_journaled(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    with running(data_dir, monkeypatch) as first:
        dynamodb = first.client("dynamodb")
        create_counters(dynamodb)
        first.durable.compact()
        add_one(dynamodb)
        with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.put_item(
                TableName=TABLE, Item={"id": {"S": "c"}}, ConditionExpression="attribute_not_exists(id)"
            )
        hits(dynamodb)
        lines = (data_dir / "dynamodb.journal").read_text().splitlines()
        assert [json.loads(line)["target"] for line in lines] == ["DynamoDB_20120810.UpdateItem"]


def test_a_second_stack_cannot_use_the_same_folder(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    with (
        running(data_dir, monkeypatch),
        pytest.raises(DataDirError, match="another local stack is using DATA_DIR"),
    ):
        DataDir(data_dir)


def test_a_folder_that_cannot_be_made_is_refused_clearly(tmp_path: Path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(DataDirError, match="cannot be used"):
        DataDir(tmp_path / "a-file" / "data")


def test_state_written_by_another_version_is_refused_with_the_way_out(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    Emulator(data_dir, monkeypatch).stop()
    snapshot = pickle.loads((data_dir / "dynamodb.pickle").read_bytes())
    (data_dir / "dynamodb.pickle").write_bytes(pickle.dumps({**snapshot, "moto": "0.0.1"}))
    _forget_everything()
    with pytest.raises(DataDirError, match="make dev-reset"):
        SerializedMotoServer(Credentials.drawn(), REGION, DurableState(DataDir(data_dir)))


def test_reset_is_refused_while_a_stack_uses_the_folder(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    with running(data_dir, monkeypatch):
        with pytest.raises(DataDirError, match="another local stack is using DATA_DIR"):
            DataDir.reset(data_dir)
        assert (data_dir / "pool-signing-key.json").exists()


def test_reset_removes_the_stacks_files_and_nothing_else(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    Emulator(data_dir, monkeypatch).stop()
    (data_dir / "notes.txt").write_text("mine")
    DataDir.reset(data_dir)
    assert [path.name for path in data_dir.iterdir()] == ["notes.txt"]
