"""Which stream records the cascade processor is invoked for: Lambda event filter patterns per
streamed table, and a matcher of the subset of the pattern language they use.

The CDK stack puts these patterns on the event source mappings (`infra/streams.py`), the local
stack's pollers and the api tests' stream delivery apply them with `wanted`, so the processor
sees the same records everywhere. `domain.cascade.acts_on` is what the processor acts on; the
patterns must let through every record it acts on (tests/unit/test_stream_filters.py,
tests/api/test_stream_filters.py, and every api test that delivers the streams check it).

A filter pattern cannot compare a record's old image with its new one, so "the epoch moved" or
"the scopes changed" cannot be written as a pattern. Instead, every write of a node item that may
change what the cascade acts on (epoch, primary, owner groups, scopes: `NodeModel.cascade_hint`)
sets the attribute `cascade_hint`, and the frequent writes that never do (params, a thing's
params and connectivity reports) remove it. A MODIFY passes when its new image holds the hint:
sound as long as every such write sets it (each says so beside its `cascade_hint.set`), and an
over-approximation (a tags write after a claim passes too, and the processor does nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nodeshare.store.models import PRODUCT, PROJECT, ROLE, TABLES

DYNAMODB_SERVICE = "dynamodb.amazonaws.com"  # the principal of a TTL deletion's stream record
CASCADE_HINT = "cascade_hint"  # `NodeModel.cascade_hint`

Pattern = Mapping[str, Any]

FILTERS: dict[str, tuple[Pattern, ...]] = {
    "nodes": (
        # Registered or deleted: discovery follows (rare).
        {"eventName": ["INSERT", "REMOVE"]},
        # Claimed, transferred, released, owner groups or scopes changed (see above).
        {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {CASCADE_HINT: {"BOOL": [True]}}}},
    ),
    "requests": (
        # Only expiry is recorded: deleted by DynamoDB's TTL sweep, not by a user.
        {"eventName": ["REMOVE"], "userIdentity": {"type": ["Service"], "principalId": [DYNAMODB_SERVICE]}},
    ),
    "groups": (
        # A user group, node group or product deleted (roles and projects leave nothing to tidy).
        {
            "eventName": ["REMOVE"],
            "dynamodb": {"OldImage": {"kind": {"S": [{"anything-but": [ROLE, PROJECT]}]}}},
        },
        # A product created or changed: discovery follows.
        {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"kind": {"S": [PRODUCT]}}}},
    ),
}

_MISSING = object()


def logical_table(event_source_arn: str) -> str:
    """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> -> logical name."""
    table_name = event_source_arn.split(":table/", 1)[-1].split("/", 1)[0]
    for table in TABLES:
        if table.model.Meta.table_name == table_name:
            return table.name
    return table_name


def wanted(table: str, record: Mapping[str, Any]) -> bool:
    """Whether a Lambda-shaped stream record of `table` reaches the processor: any of the
    table's patterns matches (a table without patterns passes everything)."""
    patterns = FILTERS.get(table)
    return patterns is None or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Pattern, event: Any) -> bool:
    """Lambda's filter semantics for the subset used here: every key of the pattern must match;
    a nested object descends; a list holds alternatives, each an exact scalar or
    `{"anything-but": [...]}`, which match only a present scalar. Anything else is refused, so a
    pattern using more of the language needs this matcher taught first."""
    if not isinstance(event, Mapping):
        event = {}
    for key, rule in pattern.items():
        value = event.get(key, _MISSING)
        if isinstance(rule, Mapping):
            if not matches(rule, value):
                return False
        elif isinstance(rule, Sequence) and not isinstance(rule, str):
            if not any(_scalar_matches(alternative, value) for alternative in rule):
                return False
        else:
            raise ValueError(f"unsupported filter rule {rule!r}")
    return True


def _scalar_matches(alternative: Any, value: Any) -> bool:
    if value is _MISSING or isinstance(value, Mapping | list):
        return False
    if isinstance(alternative, Mapping):
        if set(alternative) != {"anything-but"}:
            raise ValueError(f"unsupported filter rule {alternative!r}")
        return not any(_same(excluded, value) for excluded in alternative["anything-but"])
    return _same(alternative, value)


def _same(expected: Any, value: Any) -> bool:
    # JSON equality: true is not 1
    return type(expected) is type(value) and expected == value
