"""The params archive (Symphony's archive, issue 8): every params write of a node, with its time
and writer, and the corrections added to it afterwards.

- A params write (`domain.nodes.set_params`) saves one record per node written, in the same
  transaction as the node item (`store.nodes.write_params`): what the archive says was written
  was written, and the other way round.
- `history` pages through a node's records, newest first, in [from_ms, to_ms); `add_correction`
  adds a record of kind "correction" at a time the caller names, with params checked as a params
  write is; `purge` deletes a time range. Each asks the one decision for its action:
  ARCHIVE_READ (level `r`, operators too), ARCHIVE_WRITE (`rw`), ARCHIVE_DELETE (`rwp`); a caller
  who may not see the node gets the same 404 as for a missing node.
- A record expires `archive_retention_seconds` (default 90 days) after the time it records:
  DynamoDB's TTL deletes it days later, and until then every read leaves it out (SPEC §2.2).
  Only the node's current epoch's records are listed: a new primary (claim, transfer, release)
  starts with an empty archive, and the earlier ones expire unseen.
"""

from __future__ import annotations

import re
import secrets

from nodeshare.domain import params as params_rules
from nodeshare.domain.authorization import Action, NodeAccess, authorize, authorize_many
from nodeshare.model.entities import ArchiveKind, ArchiveRecord, Node, Principal
from nodeshare.model.errors import BadRequest
from nodeshare.settings import settings
from nodeshare.store import archive as archive_store
from nodeshare.store.access import Facts
from nodeshare.store.records import TIMESTAMP_DIGITS, time_key

MAX_TIMESTAMP_MS = 10**TIMESTAMP_DIGITS - 1  # what a record id's time holds (the year 2286)
# A purge deletes at most this many records per request (then answers `more`): 40 BatchWriteItem
# calls of 25, well within a Lambda's timeout.
PURGE_LIMIT = 1000
# How far ahead of the server's clock a correction may be dated (clients' clocks drift).
CLOCK_SKEW_MS = 5 * 60 * 1000
RECORD_ID = re.compile(rf"^\d{{{TIMESTAMP_DIGITS}}}-[0-9a-f]{{12}}$")


def new_record(
    node: Node,
    kind: ArchiveKind,
    writer: Principal,
    writer_name: str | None,
    params: params_rules.ParamsPayload,
    timestamp_ms: int,
) -> ArchiveRecord:
    """A record of `params` written to `node` at `timestamp_ms` by `writer`, under the node's
    epoch, expiring the archive's retention after that time."""
    return ArchiveRecord(
        node_id=node.node_id,
        record_id=f"{time_key(timestamp_ms)}-{secrets.token_hex(6)}",
        timestamp_ms=timestamp_ms,
        epoch=node.epoch,
        kind=kind,
        user_id=writer.user_id,
        user_name=writer_name,
        params=params,
        expires_at=timestamp_ms // 1000 + settings().archive_retention_seconds,
    )


def writer_name(principal: Principal, facts: Facts) -> str | None:
    """The caller's e-mail: from its user row, which the decision read (access tokens carry none)."""
    user = facts.users.get(principal.user_id)
    return user.user_name if user is not None else principal.user_name or None


def check_range(from_ms: int | None, to_ms: int | None) -> None:
    for name, value in (("from", from_ms), ("to", to_ms)):
        if value is not None and not 0 <= value <= MAX_TIMESTAMP_MS:
            raise BadRequest(f"{name} must be a time in milliseconds between 0 and {MAX_TIMESTAMP_MS}")
    if from_ms is not None and to_ms is not None and from_ms > to_ms:
        raise BadRequest("from must not be after to")


def _check_start_id(start_id: str | None, from_ms: int | None, to_ms: int | None) -> None:
    """A `start_id` is a record id (a `next_id` given back) within the range asked for."""
    if start_id is None:
        return
    if not RECORD_ID.match(start_id):
        raise BadRequest("start_id must be a next_id from an earlier page")
    timestamp_ms = int(start_id[:TIMESTAMP_DIGITS])
    if (from_ms is not None and timestamp_ms < from_ms) or (to_ms is not None and timestamp_ms >= to_ms):
        raise BadRequest("start_id is outside the range from-to")


def history(
    principal: Principal,
    node_id: str,
    from_ms: int | None,
    to_ms: int | None,
    start_id: str | None,
    limit: int,
    now: int,
) -> archive_store.Page:
    """One page of the node's archive, newest first: the records in [from_ms, to_ms) (either
    bound may be left out) older than `start_id`, in one Query. Unexpired records of the current
    epoch only, filtered after DynamoDB's `Limit`, so a page may hold fewer than `limit` records
    with a `next_id` still to follow."""
    check_range(from_ms, to_ms)
    _check_start_id(start_id, from_ms, to_ms)
    access = authorize(principal, Action.ARCHIVE_READ, node_id, now)
    return archive_store.page(access.node, from_ms, to_ms, start_id, limit, now)


def add_correction(
    principal: Principal,
    node_id: str,
    timestamp_ms: int,
    params: params_rules.ParamsPayload,
    now: int,
    now_ms: int,
) -> ArchiveRecord:
    """Add a record of kind "correction" saying `params` held at `timestamp_ms`. The params are
    checked against the node's config as a params write is (known, writable, of the right type,
    storable: 400 otherwise); the time may not be later than now (5 minutes' clock skew allowed)
    nor earlier than the archive keeps. Conditioned, like a params write, on the access that
    allowed it; the node's own params are not changed."""
    if not 0 <= timestamp_ms <= now_ms + CLOCK_SKEW_MS:
        raise BadRequest("timestamp must be a time in milliseconds, not in the future")
    if timestamp_ms // 1000 + settings().archive_retention_seconds <= now:
        raise BadRequest("timestamp is older than the archive keeps records")
    checked = authorize_many(principal, Action.ARCHIVE_WRITE, [node_id], now)
    access = checked.outcomes[node_id]
    if not isinstance(access, NodeAccess):
        raise access
    params_rules.check_write(access.node.config, params)
    writer = writer_name(principal, checked.facts)
    record = new_record(access.node, ArchiveKind.CORRECTION, principal, writer, params, timestamp_ms)
    archive_store.add(access.node, record)
    return record


def purge(principal: Principal, node_id: str, from_ms: int, to_ms: int, now: int) -> archive_store.Purged:
    """Delete the node's records in [from_ms, to_ms), oldest first, at most `PURGE_LIMIT` per
    request: `deleted` counts those the archive listed, `more` says the range still holds records
    (purge again)."""
    check_range(from_ms, to_ms)
    access = authorize(principal, Action.ARCHIVE_DELETE, node_id, now)
    return archive_store.purge(access.node, from_ms, to_ms, now, PURGE_LIMIT)
