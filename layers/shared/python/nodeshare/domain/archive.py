"""The params archive (Symphony's archive, issue 8): every params write of a node, with its time
and writer, and the corrections added to it afterwards.

- A params write (`domain.nodes.set_params`) saves one record per node written, in the same
  transaction as the node item (`store.nodes.write_params`): what the archive says was written
  was written, and the other way round.
- A record expires `archive_retention_seconds` (default 90 days) after the time it records:
  DynamoDB's TTL deletes it days later, and until then every read leaves it out (SPEC §2.2).
  Only the node's current epoch's records are listed: a new primary (claim, transfer, release)
  starts with an empty archive, and the earlier ones expire unseen.
"""

from __future__ import annotations

import secrets

from nodeshare.domain import params as params_rules
from nodeshare.model.entities import ArchiveKind, ArchiveRecord, Node, Principal
from nodeshare.settings import settings
from nodeshare.store.access import Facts
from nodeshare.store.records import time_key


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
        record_id=f"{time_key(timestamp_ms)}#{secrets.token_hex(6)}",
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
