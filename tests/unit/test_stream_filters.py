"""The stream filter patterns (`store.stream_filters`): the matcher follows Lambda's semantics for
the rules used, and every kind of record the processor acts on (`domain.cascade.acts_on`) passes
its table's patterns, while the frequent writes it ignores do not."""

from __future__ import annotations

from typing import Any

import pytest
from nodeshare.domain.cascade import DYNAMODB_SERVICE, Change, acts_on
from nodeshare.store.stream_filters import CASCADE_HINT, FILTERS, matches, wanted

TTL = {"type": "Service", "principalId": DYNAMODB_SERVICE}
HINT = {CASCADE_HINT: True}


def node(epoch: int = 1, primary: str | None = "u-1", scopes: Any = None, **extra: Any) -> dict[str, Any]:
    image: dict[str, Any] = {"node_id": "n1", "epoch": epoch, "params": {}, **extra}
    if primary:
        image["primary_user_id"] = primary
    if scopes is not None:
        image["scopes"] = scopes
    return image


EVERYONE = {"users": ["all"]}
GROUP_OWNED = {"owner_groups": {"g1": {"epoch": 2}}}

# (name, table, event, old, new, by TTL, whether the processor acts on it)
KINDS: list[tuple[str, str, str, Any, Any, bool, bool]] = [
    ("register, scoped", "nodes", "INSERT", None, node(0, None, EVERYONE), False, True),
    ("register, unscoped", "nodes", "INSERT", None, node(0, None, {}), False, False),
    ("delete unclaimed", "nodes", "REMOVE", node(0, None, EVERYONE), None, False, True),
    ("claim", "nodes", "MODIFY", node(0, None, EVERYONE), node(1, "u-1", EVERYONE, **HINT), False, True),
    ("transfer", "nodes", "MODIFY", node(1, "u-1"), node(2, "u-2", **HINT), False, True),
    ("reclaim after reset", "nodes", "MODIFY", node(1, "u-1"), node(2, "u-1", **HINT), False, True),
    ("release", "nodes", "MODIFY", node(1, "u-1", EVERYONE), node(2, None, EVERYONE, **HINT), False, True),
    ("group claim", "nodes", "MODIFY", node(1, None, EVERYONE),
     node(2, None, EVERYONE, **GROUP_OWNED, **HINT), False, True),
    ("last owner group removed", "nodes", "MODIFY", node(2, None, EVERYONE, **GROUP_OWNED),
     node(3, None, EVERYONE, **HINT), False, True),
    ("rescope unclaimed", "nodes", "MODIFY", node(0, None, EVERYONE), node(0, None, {}, **HINT), False, True),
    ("params write", "nodes", "MODIFY", node(1, "u-1", EVERYONE, **HINT), node(1, "u-1", EVERYONE),
     False, False),
    ("params write, group owned", "nodes", "MODIFY", node(2, None, EVERYONE, **GROUP_OWNED),
     node(2, None, EVERYONE, **GROUP_OWNED), False, False),
    ("thing report, unclaimed", "nodes", "MODIFY", node(0, None, EVERYONE), node(0, None, EVERYONE),
     False, False),
    ("request expired", "requests", "REMOVE", {"request_id": "r1", "sk": "request"}, None, True, True),
    ("request cancelled", "requests", "REMOVE", {"request_id": "r1", "sk": "request"}, None, False, False),
    ("request created", "requests", "INSERT", None, {"request_id": "r1", "sk": "request"}, False, False),
    ("request accepted", "requests", "MODIFY", {"request_id": "r1"}, {"request_id": "r1", "status": "a"},
     False, False),
    ("user group deleted", "groups", "REMOVE", {"group_id": "g1", "kind": "user", "members": {}}, None,
     False, True),
    ("node group deleted", "groups", "REMOVE", {"group_id": "g2", "kind": "node", "owner_user_id": "u-1"},
     None, False, True),
    ("role deleted", "groups", "REMOVE", {"group_id": "rl-1", "kind": "role"}, None, False, False),
    ("project deleted", "groups", "REMOVE", {"group_id": "p1", "kind": "project"}, None, False, False),
    ("product created", "groups", "INSERT", None, {"group_id": "pr1", "kind": "product", "scopes": EVERYONE},
     False, True),
    ("product rescoped", "groups", "MODIFY", {"group_id": "pr1", "kind": "product", "scopes": EVERYONE},
     {"group_id": "pr1", "kind": "product", "scopes": {}}, False, True),
    ("product deleted", "groups", "REMOVE", {"group_id": "pr1", "kind": "product", "scopes": EVERYONE}, None,
     False, True),
    ("user group edited", "groups", "MODIFY", {"group_id": "g1", "kind": "user"},
     {"group_id": "g1", "kind": "user", "name": "x"}, False, False),
]  # fmt: skip


def typed(value: Any) -> Any:
    """A plain value as DynamoDB JSON (what a stream record carries)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [typed(item) for item in value]}
    return {"M": {key: typed(item) for key, item in value.items()}}


def record(event: str, old: Any, new: Any, by_ttl: bool) -> dict[str, Any]:
    images: dict[str, Any] = {}
    if old is not None:
        images["OldImage"] = typed(old)["M"]
    if new is not None:
        images["NewImage"] = typed(new)["M"]
    shaped: dict[str, Any] = {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": images}
    if by_ttl:
        shaped["userIdentity"] = TTL
    return shaped


@pytest.mark.parametrize(
    ("name", "table", "event", "old", "new", "by_ttl", "acts"), KINDS, ids=[kind[0] for kind in KINDS]
)
def test_every_record_the_processor_acts_on_passes_and_params_writes_do_not(
    name: str, table: str, event: str, old: Any, new: Any, by_ttl: bool, acts: bool
) -> None:
    change = Change(table=table, event=event, old=old, new=new, by_ttl=by_ttl)
    assert acts_on(change) is acts
    if acts:
        assert wanted(table, record(event, old, new, by_ttl))
    if name.startswith(("params write", "thing report", "request c", "role", "project")):
        assert not wanted(table, record(event, old, new, by_ttl))


def test_every_streamed_table_has_patterns() -> None:
    from nodeshare.store.models import TABLES

    assert sorted(FILTERS) == sorted(table.name for table in TABLES if table.stream)


def test_the_matcher_follows_lambdas_semantics_for_the_rules_used() -> None:
    event = {"eventName": "MODIFY", "dynamodb": {"NewImage": {"kind": {"S": "node"}, "flag": {"BOOL": True}}}}
    assert matches({"eventName": ["INSERT", "MODIFY"]}, event)
    assert not matches({"eventName": ["INSERT"]}, event)
    assert matches({"dynamodb": {"NewImage": {"flag": {"BOOL": [True]}}}}, event)
    assert not matches({"dynamodb": {"NewImage": {"flag": {"N": [1]}}}}, event)  # true is not 1
    assert not matches({"dynamodb": {"OldImage": {"flag": {"BOOL": [True]}}}}, event)  # absent
    assert matches({"dynamodb": {"NewImage": {"kind": {"S": [{"anything-but": ["role"]}]}}}}, event)
    assert not matches({"dynamodb": {"NewImage": {"kind": {"S": [{"anything-but": ["node"]}]}}}}, event)
    # anything-but matches only a present value
    assert not matches({"dynamodb": {"OldImage": {"kind": {"S": [{"anything-but": ["role"]}]}}}}, event)
    with pytest.raises(ValueError):  # a rule this matcher was not taught
        matches({"eventName": [{"prefix": "MOD"}]}, event)


def test_the_local_pollers_hand_over_only_what_the_mapping_would():
    import threading

    from nodeshare.local.streams import StreamPoller

    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-nodes/stream/2026-01-01T00:00:00.000"
    poller = StreamPoller(None, arn, None, 0, "us-east-1", threading.Event())  # type: ignore[arg-type]

    def streamed(old: Any, new: Any, sequence: str) -> dict[str, Any]:
        shaped = record("MODIFY", old, new, False)
        shaped["dynamodb"].update(SequenceNumber=sequence, ApproximateCreationDateTime=0)
        return {**shaped, "eventID": sequence}

    claim = streamed(node(0, None, EVERYONE), node(1, "u-1", EVERYONE, **HINT), "1")
    params_write = streamed(node(1, "u-1", EVERYONE, **HINT), node(1, "u-1", EVERYONE), "2")

    kept = poller._wanted([claim, params_write])

    assert [item["eventID"] for item in kept] == ["1"] and poller.filtered_out == 1
