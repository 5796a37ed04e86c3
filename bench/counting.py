"""Counting what each request costs: DynamoDB round trips, items read and written, write units,
Cognito calls.

Every botocore call goes through `BaseClient._make_api_call`; wrapping it counts the calls made
while a request is measured, on any thread but the stream pollers' (requests are measured one at
a time, so the calls are that request's).

For batched calls it also counts what the request put in them (keys asked for, items written), so
a request over k nodes can be judged against the fewest batches DynamoDB's per-call limits allow.

Write units are computed as DynamoDB bills them (on-demand write request units, the same as
provisioned WCUs), from the items before and after each write, read from the embedded emulator's
memory (no call): per item written, ceil(larger of its sizes before and after / 1 KB), twice in a
transaction; per global secondary index whose entry for the item changes, ceil(entry size / 1 KB)
for a put or a delete, both when the index key moved, nothing when no projected attribute changed.
Sizes are moto's (attribute names plus values, numbers by their digits): close to DynamoDB's, not
byte-exact. A ConditionCheck in a transaction is counted as a write of the item it checks (its
size, twice): DynamoDB reports it as write units, not read units (AWS's guides leave it unsaid;
measured against DynamoDB by the dynamodb-conformance suite, paritysuite/dynamodb-conformance#67,
and followed by the dynoxide emulator, nubo-db/dynoxide#123), so a transaction does not make a
large item cheaper to condition on than to write. Only with the embedded emulator.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client

_active: dict[str, Cost | None] = {"cost": None}

# DynamoDB's limit on what one call of each batched operation may carry: keys per BatchGetItem,
# items per transaction, put / delete requests per BatchWriteItem.
BATCH_LIMITS = {"BatchGetItem": 100, "TransactGetItems": 100, "TransactWriteItems": 100, "BatchWriteItem": 25}
# The calls that only read: what a decision may use (bench/decision.py).
READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


@dataclass
class Cost:
    round_trips: int = 0
    items_read: int = 0
    items_written: int = 0
    cognito_calls: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    batched: Counter[str] = field(default_factory=Counter)  # keys / items sent, per batched operation
    write_units: int = 0  # the tables' (see the module's docstring)
    index_write_units: int = 0  # the global secondary indexes'
    largest_item_bytes: int = 0  # of the items written, after the write

    @property
    def scans(self) -> int:
        return self.operations["Scan"]

    @property
    def reads(self) -> int:
        """Round trips that only read (a decision's); the rest write."""
        return sum(self.operations[name] for name in READS)

    @property
    def fewest_batches(self) -> int:
        """The fewest batched calls that could carry what this request sent in batched calls:
        ceil(keys / 100) BatchGetItem, ceil(items / 100) per transaction kind, ceil(requests / 25)
        BatchWriteItem."""
        return sum(math.ceil(units / BATCH_LIMITS[operation]) for operation, units in self.batched.items())


def _items(operation: str, params: dict[str, Any], response: dict[str, Any]) -> tuple[int, int]:
    """(items read, items written) by one DynamoDB call."""
    if operation == "GetItem":
        return (1 if response.get("Item") else 0), 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values()), 0
    if operation in ("Query", "Scan"):
        return int(response.get("ScannedCount", response.get("Count", 0))), 0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 0, 1
    if operation == "BatchWriteItem":
        return 0, sum(len(requests) for requests in params.get("RequestItems", {}).values())
    if operation == "TransactWriteItems":
        items = params.get("TransactItems", [])
        checks = sum(1 for item in items if "ConditionCheck" in item)
        return checks, len(items) - checks
    if operation == "TransactGetItems":
        return len(params.get("TransactItems", [])), 0
    return 0, 0


def _batched(operation: str, params: dict[str, Any]) -> int:
    """Keys asked for, or items written, by one batched call (what its limit counts)."""
    if operation == "BatchGetItem":
        return sum(len(table.get("Keys", [])) for table in params.get("RequestItems", {}).values())
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    return len(params.get("TransactItems", []))


def _count(
    cost: Cost, service: str, operation: str, params: dict[str, Any], response: dict[str, Any]
) -> None:
    if service == "dynamodb":
        cost.round_trips += 1
        cost.operations[operation] += 1
        read, written = _items(operation, params, response) if response else (0, 0)
        cost.items_read += read
        cost.items_written += written
        if operation in BATCH_LIMITS:
            cost.batched[operation] += _batched(operation, params)
    elif service == "cognito-idp":
        cost.cognito_calls += 1


KB = 1024
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(table, key or whole item, in a transaction) of every item a write call writes."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return [(params["TableName"], params.get("Key") or params["Item"], False)]
    if operation == "TransactWriteItems":
        found = []
        for item in params.get("TransactItems", []):
            for kind in ("Put", "Update", "Delete", "ConditionCheck"):  # a check: see the module's docstring
                if kind in item:
                    found.append((item[kind]["TableName"], item[kind].get("Key") or item[kind]["Item"], True))
        return found
    if operation == "BatchWriteItem":
        return [
            (table, (request.get("PutRequest") or {}).get("Item") or request["DeleteRequest"]["Key"], False)
            for table, requests in params.get("RequestItems", {}).items()
            for request in requests
        ]
    return []


def _moto_table(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    for regions in list(dynamodb_backends.values()):
        for backend in list(regions.values()):
            if name in backend.tables:
                return backend.tables[name]
    return None


@dataclass(frozen=True)
class _Snapshot:
    size: int  # 0: no item
    entries: dict[str, tuple[Any, Any, int] | None]  # index -> (its key, the entry, its size)


def _snapshot(table_name: str, key_or_item: dict[str, Any]) -> _Snapshot | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = _moto_table(table_name)
    if table is None:
        return None
    hash_key = DynamoType(key_or_item[table.hash_key_attr])
    range_key = DynamoType(key_or_item[table.range_key_attr]) if table.range_key_attr else None
    item = table.get_item(hash_key, range_key)
    entries: dict[str, tuple[Any, Any, int] | None] = {}
    for index in table.global_indexes:
        if item is None or not all(attr in item.attrs for attr in index.schema_key_attrs):
            entries[index.name] = None
            continue
        entry = index.project(item)
        index_key = tuple(str(item.attrs[attr].to_json()) for attr in index.schema_key_attrs)
        entries[index.name] = (index_key, str(entry.to_json()), entry.size())
    return _Snapshot(item.size() if item is not None else 0, entries)


def _units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def _write_units(before: _Snapshot, after: _Snapshot, transactional: bool) -> tuple[int, int]:
    """(table units, index units) of one item's write."""
    table = _units(max(before.size, after.size)) * (2 if transactional else 1)
    index = 0
    for name, old in before.entries.items():
        new = after.entries.get(name)
        if old is None and new is None:
            continue
        if old is None or new is None:
            index += _units((old or new)[2])  # type: ignore[index]
        elif old[0] != new[0]:
            index += _units(old[2]) + _units(new[2])  # moved: a delete and a put
        elif old[1] != new[1]:
            index += _units(new[2])
    return table, index


def install() -> None:
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        # A call that fails (a refused condition, a cancelled transaction) is a round trip too:
        # counted, with nothing read or written.
        response: dict[str, Any] = {}
        cost = _active["cost"]
        measured = cost is not None and not threading.current_thread().name.startswith("stream:")
        writes = _written_keys(operation_name, api_params) if measured and operation_name in WRITES else []
        before = [_snapshot(table, key) for table, key, _ in writes]
        try:
            response = original(self, operation_name, api_params)
        finally:
            if measured and cost is not None:
                _count(cost, self.meta.service_model.service_name, operation_name, api_params, response)
                for (table, key, transactional), old in zip(writes, before, strict=True):
                    new = _snapshot(table, key)
                    if old is None or new is None:
                        continue
                    table_units, index_units = _write_units(old, new, transactional)
                    cost.write_units += table_units
                    cost.index_write_units += index_units
                    cost.largest_item_bytes = max(cost.largest_item_bytes, new.size)
        return response

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]


@contextmanager
def measuring(cost: Cost) -> Iterator[Cost]:
    _active["cost"] = cost
    try:
        yield cost
    finally:
        _active["cost"] = None
