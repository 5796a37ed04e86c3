"""The decision's cost from none to the limits: one READ (`GET /v1/user/nodes/params`) and one
WRITE (`PUT /v1/user/nodes/params`) of a node, for a caller whose access comes from

- being the primary alone (no group, no grant);
- one grant to the caller on the node;
- the limits: the caller in `MAX_GROUPS_PER_USER` user groups, each granted `rwp` on the node,
  and the node in `MAX_GROUPS_PER_NODE` node groups of the primary's, each granting the caller
  `rw` or one of its groups `rwp` (and the primary itself on that node);
- the same on a second node in those node groups, where each of the caller's 41 subjects (itself
  and its 40 groups) was granted `rw` by a different `rwp` secondary of the node (`GRANTORS`;
  each joins the group it grants to, so that it may name it): the decision checks every
  grantor's authority, one more key each in its second BatchGetItem (`load_for_decision`), so
  40 user groups + 20 node groups + 41 = 101 keys;

and the listing of a caller's nodes (`GET /v1/user/nodes`) with no group, one user group and one
node group, and at the limits. Then the joins past each limit, refused.

Everything is set up once through the API (user groups, members, node groups, grants, shares),
unmeasured, while the tables hold about 10 nodes (in moto a transaction copies every table it
writes, seconds each at 5,000 nodes); the same callers on the same nodes are then measured at
both table sizes.

Targets: the decision (the calls that only read, `Cost.reads`) at most
`MAX_DECISION_ROUND_TRIPS`, a READ being nothing but the decision; the same round trips at both
table sizes; no Scan. The listing by its own rule (`listing_allowed`): a Query per page of the
caller's association rows, its user row, and four BatchGetItem steps of 100 keys each, whatever
the number of groups.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.counting import BATCH_LIMITS, Cost, measuring
from bench.scenario import _local_stack, _measure
from tests.support.client import Api, Caller

MAX_DECISION_ROUND_TRIPS = 2
# The caller's subjects: itself and its 40 user groups; each granted by a different rwp secondary.
GRANTORS = 41
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
SHARING = "/v1/user/nodes/sharing"
SHARE_REQUESTS = "/v1/user/nodes/sharing/requests"
ROLES = "/v1/user/roles"
SHARE_USER_ROLES = "/v1/user/share_users/roles"
LEVEL = "rw"  # the caller's effective level at the limits (the most restrictive source wins)
# The primary's grants to the caller's groups: `rwp`, so that a secondary joining a group keeps the
# `rwp` it needs to grant to that group (`BY_GRANTORS`); its grants to the caller itself, `rw`, rule.
GROUP_LEVEL = "rwp"

PRIMARY = "primary (0 groups, 0 grants)"
DIRECT = "direct grant (0 groups)"
LIMITS = "limits: 40 groups, 20 node groups, 10 roles"
LIMITS_PRIMARY = "primary, its node in 20 node groups"
BY_GRANTORS = "limits, granted by 41 rwp secondaries"
CASES = (PRIMARY, DIRECT, LIMITS, LIMITS_PRIMARY, BY_GRANTORS)
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


@dataclass(frozen=True)
class Setup:
    """Who calls on which node, for each case."""

    decisions: dict[str, tuple[Caller, str]]
    listings: dict[str, tuple[Caller, list[str]]]
    owner: Caller
    member: Caller  # in 40 user groups
    full_node: str  # in 20 node groups


_setup: Setup | None = None


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


def _grant(owner: Caller, permission: str = LEVEL, **subject_and_target: str) -> None:
    _ok(owner.put(PERMISSIONS, json={"permission": permission, **subject_and_target}))


def _join(owner: Caller, group_id: str, user: Caller) -> requests.Response:
    return owner.put(f"{GROUPS}/{group_id}/users", json={"users": [user.user_name], "operation": "add"})


def _user_group(owner: Caller, member: Caller) -> str:
    """A user group of the owner's, with `member` in it."""
    group_id: str = _ok(owner.post(GROUPS, json={"name": "bench"}), 201)["group_id"]
    _ok(_join(owner, group_id, member))
    return group_id


def _node_group(owner: Caller, nodes: list[str]) -> requests.Response:
    return owner.post(NODE_GROUP, json={"group_name": "bench", "nodes": nodes})


def _explained(caller: Caller, node_id: str, sources: int) -> None:
    """The caller may write, at `LEVEL`, and as many sources count as were set up."""
    explained = _ok(caller.get(f"/v1/user/nodes/access?node_id={node_id}&action=write"))
    assert explained["allowed"] and explained["level"] == LEVEL, explained
    counted = [source for source in explained["sources"] if source["counts"]]
    assert len(counted) == len(explained["sources"]) == sources, explained["sources"]


def _set_up(api: Api) -> Setup:
    from nodeshare.domain.authorization import MAX_GROUPS_PER_NODE, MAX_GROUPS_PER_USER
    from nodeshare.domain.roles import MAX_ASSIGNED_ROLES

    owner = api.user("bench-primary")
    mine = api.owned_node(owner)

    granted, shared = api.user("bench-granted"), api.owned_node(owner)
    _grant(owner, user_name=str(granted.user_name), node_id=shared)

    one, one_node = api.user("bench-one-group"), api.owned_node(owner)
    _grant(owner, user_group=_user_group(owner, one), node_id=one_node)
    one_group = _ok(_node_group(owner, [one_node]))["group_id"]
    _grant(owner, node_group=one_group, user_name=str(one.user_name))

    # The limits: the member in 40 user groups, two nodes in the same 20 node groups.
    member, full_node, by_grantors = api.user("bench-member"), api.owned_node(owner), api.owned_node(owner)
    user_groups = [_user_group(owner, member) for _ in range(MAX_GROUPS_PER_USER)]
    for group_id in user_groups:
        _grant(owner, GROUP_LEVEL, user_group=group_id, node_id=full_node)
    for index in range(MAX_GROUPS_PER_NODE):
        node_group = _ok(_node_group(owner, [full_node, by_grantors]))["group_id"]
        if index % 2 == 0:
            _grant(owner, node_group=node_group, user_name=str(member.user_name))
        else:
            _grant(owner, GROUP_LEVEL, node_group=node_group, user_group=user_groups[index])
    _explained(member, full_node, MAX_GROUPS_PER_USER + MAX_GROUPS_PER_NODE)

    # On the second node, each of the member's 41 subjects granted by a different rwp secondary.
    subjects = [{"user_group": group_id} for group_id in user_groups]
    subjects.append({"user_name": str(member.user_name)})
    assert len(subjects) == GRANTORS
    for subject in subjects:
        grantor = api.user("bench-rwp")
        share = {"nodes": [by_grantors], "user_name": grantor.user_name, "primary": True}  # rwp
        answer = {"accept": True, "request_id": _ok(owner.put(SHARING, json=share))["request_id"]}
        _ok(grantor.put(SHARE_REQUESTS, json=answer))
        if "user_group" in subject:  # a member may name the group
            _ok(_join(owner, subject["user_group"], grantor))
        _grant(grantor, node_id=by_grantors, **subject)
    _explained(member, by_grantors, GRANTORS + MAX_GROUPS_PER_NODE)

    # The member is narrowed by the most roles one primary may assign (Symphony), each allowing
    # writes on both nodes: the decision reads them in its second round trip.
    role_ids = []
    for index in range(MAX_ASSIGNED_ROLES):
        role_id = _ok(owner.post(ROLES, json={"roleName": f"bench {index}"}), 201)["roleId"]
        for node_id in (full_node, by_grantors):
            permission = {"thingId": node_id, "policy": "DeviceFullAccess"}
            _ok(owner.post(f"{ROLES}/{role_id}/permissions", json=permission), 201)
        role_ids.append(role_id)
    _ok(owner.put(SHARE_USER_ROLES, json={"user_name": member.user_name, "roleIds": role_ids}))

    return Setup(
        decisions={
            PRIMARY: (owner, mine),
            DIRECT: (granted, shared),
            LIMITS: (member, full_node),
            LIMITS_PRIMARY: (owner, full_node),
            BY_GRANTORS: (member, by_grantors),
        },
        listings={
            NO_GROUPS: (granted, [shared]),
            ONE_GROUP: (one, [one_node]),
            AT_LIMITS: (member, sorted([full_node, by_grantors])),
        },
        owner=owner,
        member=member,
        full_node=full_node,
    )


def _read_and_write(caller: Caller, node_id: str) -> dict[str, Cost]:
    costs: dict[str, Cost] = {}
    read = _measure(costs, READ, lambda: caller.get(f"{PARAMS}?nodeid={node_id}"), 200)
    assert read.json()["Light"]["Power"] in (True, False), read.text
    write = [{"node_id": node_id, "payload": {"Light": {"Power": True}}}]
    _measure(costs, WRITE, lambda: caller.put(PARAMS, json=write), 200)
    return costs


def _listing_of(caller: Caller) -> Callable[[], requests.Response]:
    return lambda: caller.get(NODES)


def _refused(measured: Measured, name: str, call: Any) -> None:
    cost = Cost()
    with measuring(cost):
        response = call()
    body = response.json()
    assert response.status_code == 409 and body.get("error_code") == GROUP_LIMIT_REACHED, response.text
    measured.refusals[name] = (response.status_code, body.get("error_code"), cost)


def measure_decision(size: int) -> Measured:
    """The figures with about `size` nodes in the tables (`scenario.measure_operations(size)` seeds
    them first); the callers and nodes are set up at the first call."""
    global _setup
    _, api = _local_stack()
    if _setup is None:
        _setup = _set_up(api)
    setup, measured = _setup, Measured()
    for case, (caller, node_id) in setup.decisions.items():
        measured.decisions[case] = _read_and_write(caller, node_id)
    for name, (caller, nodes) in setup.listings.items():
        listed = _measure(measured.listings, name, _listing_of(caller), 200).json()
        assert listed["nodes"] == nodes and listed["total"] == len(nodes), listed

    owner = setup.owner
    extra = _ok(owner.post(GROUPS, json={"name": "one too many"}), 201)["group_id"]
    _refused(measured, PAST_USER_LIMIT, lambda: _join(owner, extra, setup.member))
    _refused(measured, PAST_NODE_LIMIT, lambda: _node_group(owner, [setup.full_node]))
    return measured
