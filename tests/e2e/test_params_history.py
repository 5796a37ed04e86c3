"""The params archive over HTTP (issue 8, Archive): every params write is listed with its writer
and time, newest first, paged by `start_id` / `num_records` -> `next_id` within exact [from, to)
bounds; corrections (rw) and purges (rwp) per level; strangers get the 404 of a missing node;
bad input is a 400 that writes nothing; expired records are never listed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from tests.e2e.test_access_model import grant
from tests.e2e.test_sharing import answer, share
from tests.support import seed
from tests.support.client import Api, Caller
from tests.support.local_stack import RunningStack

HISTORY = "/v1/user/nodes/params/history"
ARCHIVE_TABLE = "nodeshare-archive"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def brightness(value: int) -> dict[str, Any]:
    return {"Light": {"Brightness": value}}


def write(caller: Caller, node_id: str, payload: dict[str, Any]) -> None:
    response = caller.put(f"/v1/user/nodes/params?nodeid={node_id}", json=payload)
    assert response.status_code == 200, response.text


def history(caller: Caller, node_id: str, **query: Any) -> requests.Response:
    return caller.get(HISTORY, params={"node_id": node_id, **query})


def listed(caller: Caller, node_id: str, **query: Any) -> list[dict[str, Any]]:
    """Every record in range, page after page (of `num_records`)."""
    records: list[dict[str, Any]] = []
    while True:
        response = history(caller, node_id, **query)
        assert response.status_code == 200, response.text
        records.extend(response.json()["history"])
        if "next_id" not in response.json():
            return records
        query["start_id"] = response.json()["next_id"]


def correct(caller: Caller, node_id: str, timestamp: int, params: dict[str, Any]) -> requests.Response:
    return caller.put(HISTORY, params={"node_id": node_id}, json={"timestamp": timestamp, "params": params})


def purge(caller: Caller, node_id: str, from_ms: int, to_ms: int) -> requests.Response:
    return caller.delete(HISTORY, params={"node_id": node_id, "from": from_ms, "to": to_ms})


def archive_items(stack: RunningStack, node_id: str) -> list[str]:
    return sorted(item["record_id"]["S"] for item in stack.partition(ARCHIVE_TABLE, "node_id", node_id))


@pytest.fixture(scope="module")
def people(api: Api) -> dict[str, Caller]:
    return {name: api.user(name) for name in ("alice", "bob", "carol", "dave", "stranger")}


@pytest.fixture
def node(api: Api, people: dict[str, Caller]) -> str:
    """A node of alice's, shared with bob (rw, a share request), with carol `r` and dave `rwp`
    (grants)."""
    alice = people["alice"]
    node_id = api.owned_node(alice)
    assert answer(people["bob"], share(alice, [node_id], people["bob"].user_name)["request_id"], True).ok
    assert grant(alice, node_id, "r", user_name=people["carol"].user_name).status_code == 200
    assert grant(alice, node_id, "rwp", user_name=people["dave"].user_name).status_code == 200
    return node_id


def test_writes_are_listed_newest_first_with_writer_time_and_params_and_paged(people, node: str):
    # Given five writes, by alice (primary) and bob (rw secondary) in turn
    alice, bob = people["alice"], people["bob"]
    before = now_ms()
    for value in range(1, 6):
        write(alice if value % 2 else bob, node, brightness(value))
    after = now_ms()

    # When alice reads the history two records a page
    first = history(alice, node, num_records=2)
    assert first.status_code == 200, first.text
    pages = [first.json()]
    while "next_id" in pages[-1]:
        # a next_id goes into a URL as it is
        response = alice.get(f"{HISTORY}?node_id={node}&num_records=2&start_id={pages[-1]['next_id']}")
        assert response.status_code == 200, response.text
        pages.append(response.json())

    # Then three pages hold the five writes, newest first, each with its writer, time and params
    assert [len(page["history"]) for page in pages] == [2, 2, 1]
    records = [record for page in pages for record in page["history"]]
    assert [record["params"] for record in records] == [brightness(value) for value in range(5, 0, -1)]
    writers = [alice.user_name if value % 2 else bob.user_name for value in range(5, 0, -1)]
    assert [record["user_name"] for record in records] == writers
    assert {record["kind"] for record in records} == {"write"}
    times = [record["timestamp"] for record in records]
    assert times == sorted(times, reverse=True) and before <= times[-1] and times[0] <= after
    assert len({record["id"] for record in records}) == 5
    # and the default page holds them all
    assert history(alice, node).json() == {"history": records}


def test_from_is_inclusive_and_to_exclusive_to_the_millisecond(people, node: str):
    alice = people["alice"]
    for value in range(4):
        write(alice, node, brightness(value))
        time.sleep(0.002)  # distinct milliseconds, so each bound falls between records
    everything = listed(alice, node)
    times = sorted(record["timestamp"] for record in everything)
    assert len(set(times)) == 4

    def between(from_ms: int | None = None, to_ms: int | None = None) -> list[int]:
        query = {key: value for key, value in (("from", from_ms), ("to", to_ms)) if value is not None}
        return [record["timestamp"] for record in listed(alice, node, num_records=1, **query)]

    assert between(times[1]) == times[:0:-1]  # from its own time: included
    assert between(times[1] + 1) == times[:1:-1]
    assert between(to_ms=times[2]) == times[1::-1]  # to its own time: excluded
    assert between(to_ms=times[2] + 1) == times[2::-1]
    assert between(times[1], times[3]) == [times[2], times[1]]
    assert between(times[1], times[1]) == []


def test_a_correction_by_an_rw_user_is_listed_and_an_r_user_is_refused(people, node: str, local_stack):
    # Given a write by alice
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    write(alice, node, brightness(40))
    [written] = listed(alice, node)

    # When bob (rw) corrects what held a moment before it
    at = written["timestamp"] - 1
    response = correct(bob, node, at, brightness(35))

    # Then the correction is kept and listed after the write (older), as bob's
    assert response.status_code == 201, response.text
    corrected = response.json()
    assert corrected["status"] == "success"
    assert (corrected["timestamp"], corrected["kind"], corrected["user_name"]) == (
        at,
        "correction",
        bob.user_name,
    )
    assert [(record["kind"], record["params"]) for record in listed(carol, node)] == [
        ("write", brightness(40)),
        ("correction", brightness(35)),
    ]
    # and carol (r) may read the archive but not correct it; nothing is added
    kept = archive_items(local_stack, node)
    refused = correct(carol, node, at, brightness(1))
    assert refused.status_code == 403 and refused.json()["error_code"] == 107020
    assert archive_items(local_stack, node) == kept
    # and the node's own params are what alice wrote
    assert alice.get(f"/v1/user/nodes/params?nodeid={node}").json()["Light"]["Brightness"] == 40


def test_a_purge_by_the_primary_or_rwp_deletes_the_range_and_rw_is_refused(people, node: str):
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    for value in range(3):
        write(alice, node, brightness(value))
        time.sleep(0.002)
    times = sorted(record["timestamp"] for record in listed(alice, node))

    # bob (rw) may not purge
    refused = purge(bob, node, 0, now_ms() + 1)
    assert refused.status_code == 403 and refused.json()["error_code"] == 107020
    assert len(listed(alice, node)) == 3

    # dave (rwp) purges the oldest record: [its time, the next one's)
    by_dave = purge(dave, node, times[0], times[1])
    assert by_dave.status_code == 200, by_dave.text
    assert (by_dave.json()["status"], by_dave.json()["deleted"], by_dave.json()["more"]) == (
        "success",
        1,
        False,
    )
    assert sorted(record["timestamp"] for record in listed(alice, node)) == times[1:]

    # alice (primary) purges the rest
    by_alice = purge(alice, node, 0, now_ms() + 1)
    assert (by_alice.status_code, by_alice.json()["deleted"]) == (200, 2)
    assert listed(alice, node) == []
    assert purge(alice, node, 0, now_ms() + 1).json()["deleted"] == 0


def test_a_stranger_gets_the_404_of_a_missing_node_and_an_operator_may_only_read(api: Api, people, node):
    alice, stranger = people["alice"], people["stranger"]
    write(alice, node, brightness(7))
    missing = "nosuchnode0"
    for call in (
        lambda node_id: history(stranger, node_id),
        lambda node_id: correct(stranger, node_id, now_ms(), brightness(1)),
        lambda node_id: purge(stranger, node_id, 0, now_ms()),
    ):
        seen, unseen = call(node), call(missing)
        assert seen.status_code == unseen.status_code == 404
        assert seen.json() == {
            **unseen.json(),
            "description": unseen.json()["description"].replace(missing, node),
        }
    assert len(listed(alice, node)) == 1

    # An operator reads every node's archive, but writes or purges only its own nodes'
    assert [record["params"] for record in listed(api.operator, node)] == [brightness(7)]
    assert correct(api.operator, node, now_ms(), brightness(1)).status_code == 403
    assert purge(api.operator, node, 0, now_ms()).status_code == 403
    assert len(listed(alice, node)) == 1


BAD_QUERIES = [
    {"node_id": "not a node id!"},
    {"from": "5", "to": "4"},
    {"from": "yesterday"},
    {"to": "-1"},
    {"num_records": "0"},
    {"num_records": "101"},
    {"start_id": "garbage"},
    {"from": "2000", "start_id": "0000000001000-0123456789ab"},  # a start outside the range
]


@pytest.mark.parametrize(
    "query", BAD_QUERIES, ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items())
)
def test_a_bad_history_query_is_a_400(people, node: str, query: dict[str, str]):
    response = people["alice"].get(HISTORY, params={"node_id": node, **query})
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "failure" and response.json()["error_code"] == 107001


def test_bad_corrections_purges_and_writes_are_400s_that_write_nothing(people, node: str, local_stack):
    alice = people["alice"]
    write(alice, node, brightness(50))
    kept, params = archive_items(local_stack, node), alice.get(f"/v1/user/nodes/params?nodeid={node}").json()
    day = 24 * 3600 * 1000
    bad_corrections = [
        {"timestamp": now_ms(), "params": {"Fan": {"Speed": 1}}},  # unknown device
        {"timestamp": now_ms(), "params": {"Light": {"Brightness": "high"}}},  # wrong type
        {"timestamp": now_ms(), "params": {"Light": {"Brightness": 101}}},  # out of bounds
        {"timestamp": now_ms(), "params": {"Light": {"Name": "x"}}},  # read-only
        {"timestamp": now_ms(), "params": {}},
        {"timestamp": now_ms()},
        {"params": brightness(1)},
        {"timestamp": "now", "params": brightness(1)},
        {"timestamp": now_ms() + day, "params": brightness(1)},  # the future
        {"timestamp": now_ms() - 365 * day, "params": brightness(1)},  # older than the archive keeps
        {"timestamp": now_ms(), "params": brightness(1), "extra": 1},
    ]
    for body in bad_corrections:
        response = alice.put(HISTORY, params={"node_id": node}, data=json.dumps(body))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["status"] == "failure" and response.json()["error_code"] in (107001, 107002)
    bad_purges = [{}, {"from": "0"}, {"to": "9"}, {"from": "9", "to": "0"}, {"from": "", "to": "9"}]
    for query in bad_purges:
        response = alice.delete(HISTORY, params={"node_id": node, **query})
        assert response.status_code == 400, (query, response.text)
        assert response.json()["error_code"] == 107001
    rejected = alice.put(f"/v1/user/nodes/params?nodeid={node}", json={"Light": {"Brightness": -1}})
    assert rejected.status_code == 400

    assert archive_items(local_stack, node) == kept
    assert alice.get(f"/v1/user/nodes/params?nodeid={node}").json() == params


def test_expired_records_are_never_listed_nor_counted(people, node: str, local_stack):
    # Given a record past its expiry that DynamoDB's TTL has not deleted yet, and a current one
    alice = people["alice"]
    write(alice, node, brightness(60))
    timestamp = now_ms() - 1000
    local_stack.aws("dynamodb").put_item(
        TableName=ARCHIVE_TABLE,
        Item={
            "node_id": {"S": node},
            "record_id": {"S": f"{timestamp:013d}-0123456789ab"},
            "timestamp_ms": {"N": str(timestamp)},
            "epoch": {"N": "1"},
            "kind": {"S": "write"},
            "user_id": {"S": alice.user_id},
            "user_name": {"S": alice.user_name},
            "params": {"M": {"Light": {"M": {"Brightness": {"N": "1"}}}}},
            "expires_at": {"N": str(int(time.time()) - 1)},
        },
    )

    # Then only the current one is listed, and a purge counts only that one
    assert [record["params"] for record in listed(alice, node)] == [brightness(60)]
    purged = purge(alice, node, 0, now_ms() + 1)
    assert (purged.json()["deleted"], purged.json()["more"]) == (1, False)
    assert archive_items(local_stack, node) == []


def test_a_new_primary_starts_with_an_empty_archive(api: Api, people, node: str):
    alice, bob = people["alice"], people["bob"]
    write(alice, node, brightness(70))
    assert alice.put("/v1/user/nodes/mapping", json={"node_id": node, "operation": "remove"}).ok
    assert api.claim(bob, node).status_code == 204

    assert listed(bob, node) == []
    write(bob, node, brightness(71))
    assert [record["user_name"] for record in listed(bob, node)] == [bob.user_name]


def test_a_write_to_60_nodes_records_each_of_them(people, local_stack: RunningStack):
    # Given 60 of alice's nodes
    alice = people["alice"]
    node_ids = seed.owned_nodes(local_stack, alice, 60)

    # When alice writes all 60 in one request (two transactions of 50 and 10 nodes)
    response = alice.put(
        "/v1/user/nodes/params", json=[{"node_id": n, "payload": brightness(9)} for n in node_ids]
    )

    # Then every node is written and has its one record
    assert response.status_code == 200, response.text[:2000]
    records = local_stack.aws("dynamodb").scan(TableName=ARCHIVE_TABLE)["Items"]
    per_node = sorted(item["node_id"]["S"] for item in records if item["node_id"]["S"] in set(node_ids))
    assert per_node == node_ids
    for node_id in (node_ids[0], node_ids[49], node_ids[50], node_ids[-1]):
        [record] = listed(alice, node_id)
        assert (record["params"], record["user_name"]) == (brightness(9), alice.user_name)
