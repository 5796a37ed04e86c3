"""Things as callers: a node exchanges its thing password for a thing token, then reports its
config, its current params, its connectivity and a factory reset, and fetches what users wrote
(SPEC §3.2 "Things' own credentials", issue 9).

- `issue_token`: the thing password is checked with the same scrypt work for a wrong password and
  a missing node, and both answer the same 404 (SPEC §2.4). The route is public, so a caller is
  its source address. Wrong passwords are limited in windows of `attempts.WINDOW_SECONDS`: an
  address may fail `MAX_FAILURES_PER_ADDRESS` times over all nodes; once a node has had
  `MAX_FAILURES_PER_NODE` failures, only addresses that have not failed on it may still try it
  (429 for the others). So a stranger guessing locks out only itself, never the device, which
  holds the right password and has not failed.
- Every device route asks `authorization.authorize_thing` (the token is for this node and its
  current secret) and writes on the condition that the secret is still that one.
- Reports never touch who owns the node: config and params are the node's facts, and users' reads
  show them. A reported config keeps the params it still defines (as an operator's config change
  does). Reported params may set read-only params (a sensor's value), never unknown ones, and are
  archived as kind "report".
- `desired_params` answers what users wrote (params writes and actions, kind "write") since a
  time, merged oldest first, so a device that was offline can apply them in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nodeshare.domain import params as params_rules
from nodeshare.domain import thing_tokens
from nodeshare.domain.archive import check_range, new_record
from nodeshare.domain.authorization import authorize_thing
from nodeshare.domain.nodes import operator_changes
from nodeshare.domain.secrets import dummy_hash, verify_secret
from nodeshare.model.entities import ArchiveKind, Principal, Thing
from nodeshare.model.errors import ClaimRejected, TooManyAttempts
from nodeshare.store import archive as archive_store
from nodeshare.store import nodes as node_store
from nodeshare.store.attempts import GuessLimit
from nodeshare.store.records import TIMESTAMP_DIGITS

REJECTED = "Node not found or thing password incorrect"
MAX_FAILURES_PER_NODE = 10
MAX_FAILURES_PER_ADDRESS = 30
# A page of desired values: at most this many writes are merged per request (`more` says to ask
# again from `next_since`).
DESIRED_PAGE = 100


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def issue_token(node_id: str, thing_password: str, source: str, now: int) -> IssuedToken:
    """A thing token for the node whose password this is, asked from address `source`. Round
    trips: the attempt counters, the node, and on failure the counters' updates; one KMS Sign on
    success."""
    guesses = GuessLimit(
        f"address:{source}", f"token:{node_id}", MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_NODE
    )
    if guesses.exceeded(now):
        raise TooManyAttempts("Too many wrong thing passwords; try again later")
    node = node_store.get(node_id)
    password_ok = verify_secret(thing_password, node.secret_hash if node else dummy_hash())
    if node is None or not password_ok:
        guesses.record_failure(now)
        raise ClaimRejected(REJECTED)
    token, lifetime = thing_tokens.issue(node.node_id, node.secret_version, now)
    return IssuedToken(token, lifetime)


def report_config(thing: Thing, node_id: str, config: dict[str, Any]) -> None:
    """The node's own config replaces the registered one (checked as an operator's would be)."""
    node = authorize_thing(thing, node_id)
    fields, _ = operator_changes(node, {"config": config})
    node_store.report_config(node, fields["config"], fields["params"])


def report_params(thing: Thing, node_id: str, values: params_rules.ParamsPayload, now_ms: int) -> None:
    node = authorize_thing(thing, node_id)
    params_rules.check_values(node.config, values, require_writable=False)
    params_rules.check_write_size(node.params, values)
    record = new_record(node, ArchiveKind.REPORT, thing_as_writer(thing), None, values, now_ms)
    node_store.report_params(node, values, record)


def report_connectivity(thing: Thing, node_id: str, connected: bool, now_ms: int) -> None:
    node_store.report_connectivity(authorize_thing(thing, node_id), connected, now_ms)


def report_factory_reset(thing: Thing, node_id: str) -> None:
    node_store.report_factory_reset(authorize_thing(thing, node_id))


@dataclass(frozen=True)
class Desired:
    params: params_rules.ParamsPayload  # merged, later writes over earlier ones
    next_since: int  # ask again from here (epoch ms) for what comes after
    more: bool  # writes after `next_since` were left for the next request


def desired_params(thing: Thing, node_id: str, since_ms: int, now: int, now_ms: int) -> Desired:
    """What users wrote to the node in [since_ms, now], merged oldest first (one Query)."""
    check_range(since_ms, None)
    node = authorize_thing(thing, node_id)
    page = archive_store.page(
        node, since_ms, None, None, DESIRED_PAGE, now, oldest_first=True, kind=ArchiveKind.WRITE
    )
    merged: params_rules.ParamsPayload = {}
    for record in page.records:
        for device, values in record.params.items():
            merged.setdefault(device, {}).update(values)
    if page.next_id is None:
        return Desired(merged, now_ms, False)
    # Continue from the millisecond of the last record read: records of that millisecond may come
    # again (values, applied twice, change nothing), none is skipped.
    return Desired(merged, int(page.next_id[:TIMESTAMP_DIGITS]), True)


def thing_as_writer(thing: Thing) -> Principal:
    """How a thing is named where a writer is recorded (the archive): `thing:<node_id>`."""
    return Principal(user_id=f"thing:{thing.node_id}", user_name="")
