"""The params archive against moto: a params write and its archive records are one transaction
(50 nodes to a transaction past 50), and records expire after the configured retention."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tests.api.conftest import call
from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS

OWNER = {"sub": "u-1", "username": "u-1"}  # an access token: no e-mail in it
OWNER_EMAIL = "owner@x.test"
POWER_ON = {"Light": {"Power": True}}
_serialize, _deserialize = TypeSerializer().serialize, TypeDeserializer().deserialize


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def put(table: str, item: dict[str, Any]) -> None:
    dynamodb().put_item(TableName=table, Item={key: _serialize(value) for key, value in item.items()})


def owned_nodes(count: int) -> list[str]:
    """`count` nodes claimed by u-1 (epoch 1), and u-1's user row, as a claim leaves them."""
    put("nodeshare-users", {"user_id": "u-1", "user_name": OWNER_EMAIL, "created_at": 0})
    node_ids = [f"n{index:03d}" for index in range(count)]
    for start in range(0, count, 8):  # three items a node, 25 a BatchWriteItem
        writes: dict[str, list[Any]] = {
            "nodeshare-nodes": [],
            "nodeshare-configs": [],
            "nodeshare-associations": [],
        }
        for node_id in node_ids[start : start + 8]:
            node = {"node_id": node_id, "catalog": "node", "name": "Light", "type": "Lightbulb",
                    "secret_hash": "x", "params": LIGHT_PARAMS, "tags": [],
                    "scopes": {"users": ["all"]}, "epoch": 1, "primary_user_id": "u-1", "connected": False,
                    "connectivity_timestamp_ms": 0, "created_at": 0}  # fmt: skip
            row = {"node_id": node_id, "user_id": "u-1", "user_name": OWNER_EMAIL, "role": "primary",
                   "level": "rwp", "epoch": 1, "created_at": 0}  # fmt: skip
            writes["nodeshare-nodes"].append(_put_request(node))
            writes["nodeshare-configs"].append(_put_request({"node_id": node_id, "config": LIGHT_CONFIG}))
            writes["nodeshare-associations"].append(_put_request(row))
        dynamodb().batch_write_item(RequestItems=writes)
    return node_ids


def _put_request(item: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": {key: _serialize(value) for key, value in item.items()}}}


def power(node_id: str) -> bool:
    item = dynamodb().get_item(TableName="nodeshare-nodes", Key={"node_id": {"S": node_id}})["Item"]
    return bool(_deserialize(item["params"])["Light"]["Power"])


def powered() -> set[str]:
    """The nodes whose Power is on (a test may scan; request paths never do)."""
    items = dynamodb().scan(TableName="nodeshare-nodes")["Items"]
    return {item["node_id"]["S"] for item in items if _deserialize(item["params"])["Light"]["Power"]}


def archived() -> list[str]:
    """The node of every archive record, one entry per record."""
    return sorted(item["node_id"]["S"] for item in dynamodb().scan(TableName="nodeshare-archive")["Items"])


def records(node_id: str) -> list[dict[str, Any]]:
    items = dynamodb().query(
        TableName="nodeshare-archive",
        KeyConditionExpression="node_id = :n",
        ExpressionAttributeValues={":n": {"S": node_id}},
    )["Items"]
    return [{key: _deserialize(value) for key, value in item.items()} for item in items]


def write(node_ids: list[str]) -> dict[str, Any]:
    body = json.dumps([{"node_id": node_id, "payload": POWER_ON} for node_id in node_ids])
    return call("set_node_params", claims=OWNER, body=body)


def move_access_version(node_id: str) -> None:
    """What any change of access on the node does (a secondary added, a grant set, ...), made by
    another request (its own thread: not held to the route under test's grants)."""

    def change() -> None:
        dynamodb().update_item(
            TableName="nodeshare-nodes",
            Key={"node_id": {"S": node_id}},
            UpdateExpression="SET access_version = :v",
            ExpressionAttributeValues={":v": {"N": "7"}},
        )

    other_request = threading.Thread(target=change)
    other_request.start()
    other_request.join()


@pytest.fixture
def count_transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of items of each TransactWriteItems call made (moto sees every call)."""
    import botocore.client

    sizes: list[int] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            sizes.append(len(params["TransactItems"]))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return sizes


def test_a_write_is_recorded_with_its_writer_time_and_params(aws):
    # Given u-1's node
    [node_id] = owned_nodes(1)

    # When u-1 writes its params with an access token (which carries no e-mail)
    response = write([node_id])

    # Then the node is written and its one record says what, when and by whom
    assert response["statusCode"] == 200, response["body"]
    [record] = records(node_id)
    assert record["params"] == POWER_ON and record["kind"] == "write" and record["epoch"] == 1
    assert (record["user_id"], record["user_name"]) == ("u-1", OWNER_EMAIL)
    assert record["record_id"].startswith(f"{int(record['timestamp_ms']):013d}-")
    assert record["expires_at"] == record["timestamp_ms"] // 1000 + 90 * 24 * 3600


def test_records_expire_after_the_configured_retention(aws, monkeypatch: pytest.MonkeyPatch):
    from nodeshare.settings import settings

    [node_id] = owned_nodes(1)
    monkeypatch.setenv("ARCHIVE_RETENTION_SECONDS", "3600")
    settings.cache_clear()

    assert write([node_id])["statusCode"] == 200

    [record] = records(node_id)
    assert record["expires_at"] == record["timestamp_ms"] // 1000 + 3600


def test_a_refused_condition_writes_neither_the_nodes_nor_their_records(aws, monkeypatch, count_transactions):
    # Given two nodes, the second one's access changed after the decision read it
    from nodeshare.domain import nodes as domain_nodes

    node_ids = owned_nodes(2)
    authorize_many = domain_nodes.authorize_many

    def decided_then_changed(*args: Any, **kwargs: Any) -> Any:
        checked = authorize_many(*args, **kwargs)
        move_access_version(node_ids[1])
        return checked

    monkeypatch.setattr(domain_nodes, "authorize_many", decided_then_changed)

    # When u-1 writes both
    response = write(node_ids)

    # Then the one transaction (2 nodes, 2 records) is refused: nothing is written, no record kept
    assert response["statusCode"] == 409, response["body"]
    assert count_transactions == [4]
    assert powered() == set() and archived() == []


def test_a_record_that_cannot_be_saved_leaves_its_node_unwritten(aws, monkeypatch: pytest.MonkeyPatch):
    # Given a record id already taken (the record's own condition will fail)
    from nodeshare.domain import archive

    [node_id] = owned_nodes(1)
    taken = "0000000000001-000000000000"
    put("nodeshare-archive", {"node_id": node_id, "record_id": taken, "timestamp_ms": 1, "epoch": 1,
                              "kind": "write", "user_id": "x", "params": {}, "expires_at": 1})  # fmt: skip
    monkeypatch.setattr(archive, "time_key", lambda _: "0000000000001")
    monkeypatch.setattr(archive.secrets, "token_hex", lambda _: "000000000000")

    # When u-1 writes the node
    response = write([node_id])

    # Then the node item is not written either
    assert response["statusCode"] == 409, response["body"]
    assert power(node_id) is False
    assert [record["record_id"] for record in records(node_id)] == [taken]


def test_past_50_nodes_each_transaction_holds_50_and_stands_alone(aws, monkeypatch, count_transactions):
    # Given 60 nodes, the 55th one's access changed after the decision read it
    from nodeshare.domain import nodes as domain_nodes

    node_ids = owned_nodes(60)
    authorize_many = domain_nodes.authorize_many

    def decided_then_changed(*args: Any, **kwargs: Any) -> Any:
        checked = authorize_many(*args, **kwargs)
        move_access_version(node_ids[54])
        return checked

    monkeypatch.setattr(domain_nodes, "authorize_many", decided_then_changed)

    # When u-1 writes all 60 in one request
    response = write(node_ids)

    # Then two transactions, 50 nodes and 10, each with its records: the first is written whole,
    # the second refused whole, and the answer says so per node (207)
    assert count_transactions == [100, 20]
    assert response["statusCode"] == 207, response["body"]
    answers = {entry["node_id"]: entry["status"] for entry in json.loads(response["body"])}
    assert [answers[node_id] for node_id in node_ids] == ["success"] * 50 + ["failure"] * 10
    assert powered() == set(node_ids[:50]) and archived() == node_ids[:50]

    # When the same request is sent again, every node converges
    assert write(node_ids)["statusCode"] == 200
    assert powered() == set(node_ids)


def test_a_bad_value_on_one_node_is_known_before_anything_is_written(aws, count_transactions):
    # Given 60 nodes, and a write whose 55th payload the config refuses
    node_ids = owned_nodes(60)
    body = [{"node_id": node_id, "payload": POWER_ON} for node_id in node_ids]
    body[54]["payload"] = {"Light": {"Power": "on"}}

    response = call("set_node_params", claims=OWNER, body=json.dumps(body))

    # Then that node alone is refused (400 in its entry), and the 59 others are written in two
    # transactions of 50 and 9 nodes, none holding the refused one
    assert response["statusCode"] == 207, response["body"]
    entries = {entry["node_id"]: entry for entry in json.loads(response["body"])}
    assert entries[node_ids[54]]["error_code"] == 107002
    assert count_transactions == [100, 18]
    written = [node_id for node_id in node_ids if node_id != node_ids[54]]
    assert powered() == set(written) and archived() == written


def test_a_correction_is_conditioned_on_the_access_that_allowed_it(aws, monkeypatch):
    # Given u-1's node whose access changes after the decision read it
    from nodeshare.domain import archive

    [node_id] = owned_nodes(1)
    authorize_many = archive.authorize_many

    def decided_then_changed(*args: Any, **kwargs: Any) -> Any:
        checked = authorize_many(*args, **kwargs)
        move_access_version(node_id)
        return checked

    monkeypatch.setattr(archive, "authorize_many", decided_then_changed)

    # When u-1 adds a correction
    body = json.dumps({"timestamp": int(time.time() * 1000) - 60_000, "params": POWER_ON})
    response = call("correct_params_history", claims=OWNER, query=f"node_id={node_id}", body=body)

    # Then the correction is refused and not kept
    assert response["statusCode"] == 409, response["body"]
    assert records(node_id) == []


def test_a_purge_deletes_a_bounded_number_oldest_first_and_says_when_more_remain(aws):
    # Given five of u-1's writes to its node
    from nodeshare.store import archive as archive_store
    from nodeshare.store import nodes as node_store

    [node_id] = owned_nodes(1)
    for _ in range(5):
        assert write([node_id])["statusCode"] == 200
    node = node_store.get(node_id)
    assert node is not None
    everything = sorted(record["record_id"] for record in records(node_id))

    # When they are purged at most two at a time
    def purge_two() -> tuple[int, bool, list[str]]:
        purged = archive_store.purge(node, 0, 10**13 - 1, int(time.time()), limit=2)
        return purged.deleted, purged.more, sorted(record["record_id"] for record in records(node_id))

    # Then the oldest go first, and `more` says exactly whether any are left
    assert purge_two() == (2, True, everything[2:])
    assert purge_two() == (2, True, everything[4:])
    assert purge_two() == (1, False, [])


def test_a_correction_timestamp_written_as_a_float_is_an_integer(aws):
    # Given u-1's node, and a time in ms written the way JSON allows an integer to be written
    [node_id] = owned_nodes(1)
    timestamp_ms = int(time.time()) * 1000
    body = '{"timestamp": %se3, "params": {"Light": {"Power": true}}}' % (timestamp_ms // 1000)

    response = call("correct_params_history", claims=OWNER, query=f"node_id={node_id}", body=body)

    assert response["statusCode"] == 201, response["body"]
    [record] = records(node_id)
    assert (record["timestamp_ms"], record["kind"]) == (timestamp_ms, "correction")
    assert record["record_id"].startswith(f"{timestamp_ms:013d}-")
