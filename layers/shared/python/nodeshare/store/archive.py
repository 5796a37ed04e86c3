"""The params archive: its records in a node's partition, ordered by time (see `ArchiveModel`).

Reading a page is one Query on the node's partition and a range of `record_id`; a params write's
records are saved by `store.nodes.write_params` in the transaction that writes the node item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import ArchiveKind, ArchiveRecord, Node
from nodeshare.model.errors import Conflict
from nodeshare.store.access import batch_write
from nodeshare.store.conditions import refused_as
from nodeshare.store.models import ArchiveModel, NodeModel
from nodeshare.store.nodes import access_unchanged
from nodeshare.store.records import archive_item, time_key, to_archive_record


def _range(from_ms: int | None, to_ms: int | None) -> Any:
    """The key condition on `record_id` for [from_ms, to_ms). DynamoDB allows one condition on
    the sort key, and BETWEEN is inclusive at both ends: every record_id is longer than a bare
    time key, so `<= time_key(to_ms)` takes exactly the records before `to_ms`."""
    if from_ms is not None and to_ms is not None:
        return ArchiveModel.record_id.between(time_key(from_ms), time_key(to_ms))
    if from_ms is not None:
        return ArchiveModel.record_id >= time_key(from_ms)
    if to_ms is not None:
        return ArchiveModel.record_id < time_key(to_ms)
    return None


def _connection() -> Any:
    return ArchiveModel._get_connection()


@dataclass(frozen=True)
class Page:
    records: list[ArchiveRecord]
    next_id: str | None  # the last record_id evaluated, to continue from; None: nothing more


def page(
    node: Node,
    from_ms: int | None,
    to_ms: int | None,
    start_id: str | None,
    limit: int,
    now: int,
    *,
    oldest_first: bool = False,
    kind: ArchiveKind | None = None,
) -> Page:
    """Newest first (or oldest first), one Query: up to `limit` records of the node in
    [from_ms, to_ms) after `start_id`, of the node's current epoch and unexpired, and of `kind`
    if given (a filter: a page may hold fewer than `limit` records and still have a `next_id`)."""
    start = {"node_id": {"S": node.node_id}, "record_id": {"S": start_id}} if start_id else None
    listed = (ArchiveModel.expires_at > now) & (ArchiveModel.epoch == node.epoch)
    if kind is not None:
        listed &= ArchiveModel.kind == kind.value
    response = _connection().query(
        node.node_id,
        range_key_condition=_range(from_ms, to_ms),
        filter_condition=listed,
        consistent_read=True,
        exclusive_start_key=start,
        limit=limit,
        scan_index_forward=oldest_first,
    )
    records = [to_archive_record(ArchiveModel.from_raw_data(raw)) for raw in response.get("Items", [])]
    last = response.get("LastEvaluatedKey")
    return Page(records, last["record_id"]["S"] if last else None)


def add(node: Node, record: ArchiveRecord) -> None:
    """Save one record (a correction) in one transaction with a check that the access that
    allowed it is still as read (`access_unchanged`, as for a params write)."""
    with (
        refused_as(Conflict("Access changed while writing the archive; retry")),
        TransactWrite(connection=NodeModel._get_connection().connection) as transaction,
    ):
        transaction.condition_check(NodeModel, node.node_id, condition=access_unchanged(node))
        transaction.save(archive_item(record), condition=ArchiveModel.record_id.does_not_exist())


@dataclass(frozen=True)
class Purged:
    deleted: int  # records deleted that the archive listed (current epoch, unexpired)
    more: bool  # the range holds more records: purge again


def purge(node: Node, from_ms: int, to_ms: int, now: int, limit: int) -> Purged:
    """Delete up to `limit` of the node's records in [from_ms, to_ms), oldest first: a Query of
    their keys (one per MB read), then BatchWriteItem, 25 deletes per call. Records of an earlier
    epoch or expired in the range go too (no one can list them any more); only those the archive
    lists are counted."""
    found: list[tuple[str, bool]] = []  # (record_id, listed)
    start = None
    while len(found) <= limit:
        response = _connection().query(
            node.node_id,
            range_key_condition=_range(from_ms, to_ms),
            attributes_to_get=["record_id", "epoch", "expires_at"],
            consistent_read=True,
            exclusive_start_key=start,
            limit=limit + 1 - len(found),
        )
        for raw in response.get("Items", []):
            listed = int(raw["epoch"]["N"]) == node.epoch and int(raw["expires_at"]["N"]) > now
            found.append((raw["record_id"]["S"], listed))
        start = response.get("LastEvaluatedKey")
        if start is None:
            break
    table = ArchiveModel.Meta.table_name
    batch_write(
        [
            (
                table,
                {"DeleteRequest": {"Key": {"node_id": {"S": node.node_id}, "record_id": {"S": record_id}}}},
            )
            for record_id, _ in found[:limit]
        ]
    )
    return Purged(sum(1 for _, listed in found[:limit] if listed), len(found) > limit)
