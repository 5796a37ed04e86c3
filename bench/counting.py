"""Counting what each request costs: DynamoDB round trips, items read and written, Cognito calls.

Every botocore call goes through `BaseClient._make_api_call`; wrapping it counts the calls made
while a request is measured, on any thread but the stream pollers' (requests are measured one at
a time, so the calls are that request's).

For batched calls it also counts what the request put in them (keys asked for, items written), so
a request over k nodes can be judged against the fewest batches DynamoDB's per-call limits allow.
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


def install() -> None:
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        # A call that fails (a refused condition, a cancelled transaction) is a round trip too:
        # counted, with nothing read or written.
        response: dict[str, Any] = {}
        try:
            response = original(self, operation_name, api_params)
        finally:
            cost = _active["cost"]
            if cost is not None and not threading.current_thread().name.startswith("stream:"):
                _count(cost, self.meta.service_model.service_name, operation_name, api_params, response)
        return response

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]


@contextmanager
def measuring(cost: Cost) -> Iterator[Cost]:
    _active["cost"] = cost
    try:
        yield cost
    finally:
        _active["cost"] = None
