"""Timeouts below the function's own and bounded, jittered backoff on what DynamoDB's batch calls
leave unprocessed (`store.clients`), against moto with the answers made partial."""

from __future__ import annotations

from typing import Any

import pytest

SLEPT: list[float] = []


@pytest.fixture
def recorded_sleeps(aws, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    from nodeshare.store import clients

    SLEPT.clear()
    monkeypatch.setattr(clients, "sleep", SLEPT.append)
    return SLEPT


def dynamodb_client() -> Any:
    from nodeshare.store.models import NodeModel

    return NodeModel._get_connection().connection.client


def withholding(monkeypatch: pytest.MonkeyPatch, operation: str, unprocessed: str, times: int) -> list[dict]:
    """The next `times` calls of `operation` do nothing and answer that all was unprocessed."""
    client = dynamodb_client()
    real = getattr(client, operation)
    calls: list[dict] = []

    def partial(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs["RequestItems"])
        if len(calls) <= times:
            return {unprocessed: kwargs["RequestItems"]}
        return real(**kwargs)

    monkeypatch.setattr(client, operation, partial)
    return calls


def put_nodes(count: int) -> list[tuple[str, dict[str, Any]]]:
    from nodeshare.store.models import NodeModel

    for index in range(count):
        NodeModel(f"n{index}", name="n", type="t", secret_hash="x", params={}, created_at=0).save()
    return [(NodeModel.Meta.table_name, {"node_id": {"S": f"n{index}"}}) for index in range(count)]


def test_clients_time_out_and_retry_well_within_the_functions_timeout(aws):
    from nodeshare.store import clients, identity, keys

    for client in (dynamodb_client(), identity._client(), keys._client()):
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (1, 3)
        assert config.retries["mode"] == "standard" and config.retries["total_max_attempts"] == 2
    worst = clients.MAX_ATTEMPTS * (clients.CONNECT_TIMEOUT_SECONDS + clients.READ_TIMEOUT_SECONDS) + 1
    assert worst < 10  # the functions' timeout


def test_unprocessed_keys_are_read_again_after_a_growing_jittered_backoff(recorded_sleeps, monkeypatch):
    from nodeshare.store.access import batch_get_keys
    from nodeshare.store.clients import BACKOFF_BASE_SECONDS

    keys = put_nodes(3)
    calls = withholding(monkeypatch, "batch_get_item", "UnprocessedKeys", times=2)

    found = batch_get_keys(keys)

    assert sorted(raw["node_id"]["S"] for _, raw in found) == ["n0", "n1", "n2"]
    assert len(calls) == 3 and len(recorded_sleeps) == 2
    assert all(0 <= delay <= BACKOFF_BASE_SECONDS * 2**retry for retry, delay in enumerate(recorded_sleeps))


def test_keys_left_unprocessed_give_up_after_a_bounded_number_of_calls(recorded_sleeps, monkeypatch):
    from nodeshare.model.errors import Busy
    from nodeshare.store.access import batch_get_keys
    from nodeshare.store.clients import BATCH_ATTEMPTS

    keys = put_nodes(1)
    calls = withholding(monkeypatch, "batch_get_item", "UnprocessedKeys", times=1000)

    with pytest.raises(Busy):
        batch_get_keys(keys)
    assert len(calls) == BATCH_ATTEMPTS and len(recorded_sleeps) == BATCH_ATTEMPTS - 1
    assert sum(recorded_sleeps) <= 0.75


def test_unprocessed_writes_are_sent_again_with_backoff(recorded_sleeps, monkeypatch):
    from nodeshare.store import discovery
    from nodeshare.store.models import DiscoveryModel

    calls = withholding(monkeypatch, "batch_write_item", "UnprocessedItems", times=1)

    discovery.reindex("n1", None, {"node_id": "n1", "scopes": {"users": ["all"], "projects": ["p1"]}})

    assert sorted(item.scope for item in DiscoveryModel.scan()) == ["project:p1", "user:all"]
    assert len(calls) == 2 and len(recorded_sleeps) == 1
