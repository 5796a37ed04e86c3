"""The decision's cost from none to the limits: one READ (`GET /v1/user/nodes/params`) and one
WRITE (`PUT /v1/user/nodes/params`) of a node, for a caller whose access comes from

- being the primary alone (no group, no grant);
- one grant to the caller on the node;
- the limits: the caller in `MAX_GROUPS_PER_USER` user groups, each granted `rw` on the node,
  and the node in `MAX_GROUPS_PER_NODE` node groups of the primary's, each granting `rw` to the
  caller or to one of its groups (and the primary itself on that node);

and the listing of a caller's nodes (`GET /v1/user/nodes`) with no group, one user group and one
node group, and at the limits. Everything is set up through the API (user groups, members, node
groups, grants), unmeasured; then the joins past each limit are shown refused.

Targets: the decision (the calls that only read, `Cost.reads`) at most
`MAX_DECISION_ROUND_TRIPS`, a READ being nothing but the decision; the same round trips at both
table sizes; no Scan. The listing by its own rule (`listing_allowed`): a Query per page of the
caller's association rows, its user row, and four BatchGetItem steps of 100 keys each, whatever
the number of groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.counting import BATCH_LIMITS, Cost, measuring
from bench.scenario import _local_stack, _measure
from tests.support.client import Caller

MAX_DECISION_ROUND_TRIPS = 2
# The listing's BatchGetItem steps, each of ceil(keys / 100) calls: the caller's user groups, the
# node groups granted to it or them, and the decision's two (`store.access.reachable_node_ids`,
# `load_for_decision`). One Query per page of its association rows, and its user row, beside.
LISTING_STEPS = 4
GROUP_LIMIT_REACHED = 107071

PARAMS = "/v1/user/nodes/params"
NODES = "/v1/user/nodes"
GROUPS = "/v1/user/groups"
NODE_GROUP = "/v1/user/node_group"
PERMISSIONS = "/v1/user/permissions"
LEVEL = "rw"  # every source at the limits: the most restrictive wins, and still allows the write

PRIMARY = "primary (0 groups, 0 grants)"
DIRECT = "direct grant (0 groups)"
LIMITS = "at the limits: 40 groups, 20 node groups"
LIMITS_PRIMARY = "primary, its node in 20 node groups"
CASES = (PRIMARY, DIRECT, LIMITS, LIMITS_PRIMARY)
READ, WRITE = "read params", "write params"

NO_GROUPS = "0 groups (a direct grant)"
ONE_GROUP = "1 user group + 1 node group"
AT_LIMITS = "40 user groups + 20 node groups"
LISTINGS = (NO_GROUPS, ONE_GROUP, AT_LIMITS)

PAST_USER_LIMIT = "41st user group join"
PAST_NODE_LIMIT = "21st node group of the node"


@dataclass
class Measured:
    """One table size's figures: {case: {READ / WRITE: cost}}, {listing: cost}, and the refusals
    past the limits ({name: (status, error_code, cost)})."""

    decisions: dict[str, dict[str, Cost]] = field(default_factory=dict)
    listings: dict[str, Cost] = field(default_factory=dict)
    refusals: dict[str, tuple[int, Any, Cost]] = field(default_factory=dict)


def listing_allowed(cost: Cost) -> int:
    """What listing a caller's nodes may cost: its Query pages and user row as made, plus
    ceil(keys / 100) for everything its BatchGetItems asked, plus LISTING_STEPS - 1 (each step may
    end on a partial batch). The number of groups enters only through keys / 100."""
    keys = cost.batched["BatchGetItem"]
    batches = math.ceil(keys / BATCH_LIMITS["BatchGetItem"]) + LISTING_STEPS - 1 if keys else 0
    return cost.operations["Query"] + cost.operations["GetItem"] + batches


def _ok(response: requests.Response, expect: int = 200) -> Any:
    assert response.status_code == expect, (response.request.url, response.status_code, response.text)
    return response.json()


def _grant(owner: Caller, **subject_and_target: str) -> None:
    _ok(owner.put(PERMISSIONS, json={"permission": LEVEL, **subject_and_target}))


def _user_group(owner: Caller, member: Caller) -> str:
    """A user group of the owner's, with `member` in it."""
    group_id: str = _ok(owner.post(GROUPS, json={"name": "bench"}), 201)["group_id"]
    _ok(owner.put(f"{GROUPS}/{group_id}/users", json={"users": [member.user_name], "operation": "add"}))
    return group_id


def _node_group(owner: Caller, node_id: str) -> requests.Response:
    return owner.post(NODE_GROUP, json={"group_name": "bench", "nodes": [node_id]})


def _read_and_write(measured: Measured, case: str, caller: Caller, node_id: str) -> None:
    costs: dict[str, Cost] = {}
    read = _measure(costs, READ, lambda: caller.get(f"{PARAMS}?nodeid={node_id}"), 200)
    assert read.json()["Light"]["Power"] in (True, False), read.text
    write = [{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
    _measure(costs, WRITE, lambda: caller.put(PARAMS, json=write), 200)
    measured.decisions[case] = costs


def _listing(measured: Measured, name: str, caller: Caller, node_id: str) -> None:
    listed = _measure(measured.listings, name, lambda: caller.get(NODES), 200).json()
    assert listed["nodes"] == [node_id] and listed["total"] == 1, listed


def _refused(measured: Measured, name: str, call: Any) -> None:
    cost = Cost()
    with measuring(cost):
        response = call()
    body = response.json()
    assert response.status_code == 409 and body.get("error_code") == GROUP_LIMIT_REACHED, response.text
    measured.refusals[name] = (response.status_code, body.get("error_code"), cost)


def measure_decision(size: int) -> Measured:
    """The figures with about `size` nodes in the tables (`scenario.measure_operations(size)` seeds
    them first)."""
    from nodeshare.domain.authorization import MAX_GROUPS_PER_NODE, MAX_GROUPS_PER_USER

    _, api = _local_stack()
    measured = Measured()
    owner = api.user("bench-primary")

    mine = api.owned_node(owner)
    _read_and_write(measured, PRIMARY, owner, mine)

    granted, shared = api.user("bench-granted"), api.owned_node(owner)
    _grant(owner, user_name=granted.user_name, node_id=shared)
    _read_and_write(measured, DIRECT, granted, shared)
    _listing(measured, NO_GROUPS, granted, shared)

    member, node_id = api.user("bench-member"), api.owned_node(owner)
    for index in range(MAX_GROUPS_PER_USER):
        group_id = _user_group(owner, member)
        _grant(owner, user_group=group_id, node_id=node_id)
        if index < MAX_GROUPS_PER_NODE:
            node_group = _ok(_node_group(owner, node_id))["group_id"]
            subject = {"user_name": member.user_name} if index % 2 == 0 else {"user_group": group_id}
            _grant(owner, node_group=node_group, **subject)
        if index == 0:
            _listing(measured, ONE_GROUP, member, node_id)
    # Every one of those sources counts in the decision: 40 grants to the groups on the node, and
    # one through each node group.
    explained = _ok(member.get(f"/v1/user/nodes/access?node_id={node_id}&action=write"))
    sources = explained["sources"]
    assert explained["allowed"] and explained["level"] == LEVEL, explained
    assert len(sources) == MAX_GROUPS_PER_USER + MAX_GROUPS_PER_NODE, len(sources)
    assert all(source["counts"] for source in sources), sources
    _read_and_write(measured, LIMITS, member, node_id)
    _read_and_write(measured, LIMITS_PRIMARY, owner, node_id)
    _listing(measured, AT_LIMITS, member, node_id)

    extra = _ok(owner.post(GROUPS, json={"name": "one too many"}), 201)["group_id"]
    join = {"users": [member.user_name], "operation": "add"}
    _refused(measured, PAST_USER_LIMIT, lambda: owner.put(f"{GROUPS}/{extra}/users", json=join))
    _refused(measured, PAST_NODE_LIMIT, lambda: _node_group(owner, node_id))
    return measured
