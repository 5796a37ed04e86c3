"""`decide` against a tiny reference model written straight from SPEC §1.1, over random nodes,
associations, grants to users and user groups, node groups with their grants, grantor chains,
epochs and callers (hypothesis), and the rules one by one.

The reference model is deliberately naive: it restates the spec's steps (owners, current sources,
combine, answer) in the plainest code, sharing nothing with `decide` but the entities.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from nodeshare.domain.authorization import MAX_GRANT_CHAIN, Action, NodeFacts, decide
from nodeshare.model.entities import (
    USER_SUBJECT,
    Association,
    Grant,
    Node,
    NodeGroup,
    NodeGroupMembership,
    Principal,
    Role,
    RoleDefinition,
    RolePermission,
)
from nodeshare.model.levels import Level

NOW = 1_800_000_000
USERS = ["alice", "bob", "carol", "dave"]
RANK = {"dr": 0, "r": 1, "rw": 2, "rwp": 3}
NEEDS = {
    "read": 1,
    "write": 2,
    "share": 3,
    "run": 2,
    "archive_read": 1,
    "archive_write": 2,
    "archive_delete": 3,
}


# Role terms whose truth at NOW is known without the term evaluator (by construction).
HOLDS_NOW = {
    "once": {"from": "2027-01-15T07:59:50Z", "to": "2027-01-15T08:00:10Z"},
    "weekly": None,
    "everyday": None,
}
LATER = {
    "once": {"from": "2027-01-15T08:00:10Z", "to": "2027-01-15T09:00:00Z"},
    "weekly": None,
    "everyday": None,
}
ENDED = {
    "once": {"from": "2027-01-15T07:00:00Z", "to": "2027-01-15T08:00:00Z"},
    "weekly": None,
    "everyday": None,
}
TERM_HOLDS_NOW = {"HOLDS_NOW": True, "LATER": False, "ENDED": False}
TERM_NAMES = {id(HOLDS_NOW): "HOLDS_NOW", id(LATER): "LATER", id(ENDED): "ENDED"}
# Which policies let a narrowed principal do each action (SPEC §1 "Role", issue 8's rules).
ALLOWING = {
    "write": {"DeviceFullAccess"},
    "run": {"DeviceFullAccess"},
    "archive_read": {"ArchiveFullAccess", "ArchiveReadWrite", "ArchiveReadOnly"},
    "archive_write": {"ArchiveFullAccess", "ArchiveReadWrite"},
    "archive_delete": {"ArchiveFullAccess"},
}


def reference(principal: Principal, action: Action, facts: NodeFacts, action_id: str | None = None) -> bool:
    """SPEC §1.1, step by step, as plainly as it can be written."""
    node = facts.node
    if node is None:
        return False
    if action in (Action.CLAIM, Action.PROVISION):
        named = {"all", principal.user_id} & set(node.scopes["users"])
        # A project the principal is in (its user row's, `facts.projects`), or every project.
        through_project = ({"all"} | facts.projects) & set(node.scopes["projects"])
        in_scope = principal.is_operator or bool(named) or bool(through_project)
        if action is Action.PROVISION:  # the node itself confirms: owned or not (issue 9)
            return in_scope
        # Only a node nobody owns, or one that reported a factory reset under its current epoch,
        # and only within its scopes (every claim; issues 9 and 10).
        return in_scope and (node.primary_user_id is None or node.reset_epoch == node.epoch)
    # 1. Owners: the primary may do everything.
    if node.primary_user_id == principal.user_id:
        return True
    if action is Action.TRANSFER:
        return False

    def rwp_now(user: str) -> bool:  # still holds rwp or owner rights (directly)
        by_row = user in node.rwp_user_ids  # an rwp association now (the store keeps the list)
        by_grant = any(
            g.subject == "user:" + user and g.epoch == node.epoch and g.level.value == "rwp"
            for g in node.grants
        )
        return user == node.primary_user_id or by_row or by_grant

    # 2. Sources that name the principal, and whether each is current.
    def current(epoch: int, chain: tuple[str, ...]) -> bool:
        return epoch == node.epoch and all(rwp_now(user) for user in chain)

    me = "user:" + principal.user_id
    mine = {me} | {"group:" + group for group in facts.user_groups}  # the principal and its groups now
    sources = []  # (level, direct, is_association, chain)
    row = facts.association
    if row is not None and row.role is Role.SECONDARY and current(row.epoch, row.granted_by):
        sources.append((row.level.value, True, True, row.granted_by))
    for grant in node.grants:
        if grant.subject in mine and grant.epoch is not None and current(grant.epoch, grant.granted_by):
            sources.append((grant.level.value, grant.subject == me, False, grant.granted_by))
    for membership, group in facts.node_groups:  # through a node group: never direct
        for grant in group.grants:
            if grant.subject in mine and current(membership.epoch, (group.owner_user_id, *grant.granted_by)):
                sources.append((grant.level.value, False, False, grant.granted_by))
    # 3. Combine.
    if not sources:
        return principal.is_operator and action in (Action.READ, Action.ARCHIVE_READ)
    if principal.is_operator and action in (Action.READ, Action.ARCHIVE_READ):
        return True
    lowest = min(RANK[level] for level, *_ in sources)
    if action is Action.LEAVE:
        return any(is_association for _, _, is_association, _ in sources)
    if lowest == 0 or lowest < NEEDS[action.value]:
        return False
    # 4. Narrow: roles the primary assigned to the principal; they never widen.
    if facts.roles is not None:
        if action is Action.SHARE:
            return False
        if action.value in ALLOWING:
            on = {"n1", f"n1/{action_id}"} if action is Action.RUN else {"n1"}
            return any(
                permission.policy in ALLOWING[action.value]
                and (permission.thing_id or permission.action_id) in on
                and (not permission.terms or any(TERM_HOLDS_NOW[TERM_NAMES[id(t)]] for t in permission.terms))
                for role in facts.roles
                for permission in role.permissions
            )
    if action is Action.SHARE:
        direct = [chain for level, direct, _, chain in sources if direct and level == "rwp"]
        return bool(direct) and 1 + min(len(chain) for chain in direct) <= MAX_GRANT_CHAIN
    return True


@st.composite
def assigned_roles(draw: st.DrawFn) -> tuple[RoleDefinition, ...] | None:
    """None (no roles assigned by the node's primary), or some roles, each with permissions on the
    node, on one of its actions or on another node, with random policies and terms."""
    if draw(st.booleans()):
        return None
    roles = []
    for index in range(draw(st.integers(0, 2))):
        permissions = tuple(
            RolePermission(
                f"pm-{index}-{number}",
                thing_id=on if "/" not in on else None,
                action_id=on if "/" in on else None,
                policy=draw(st.sampled_from(sorted(ALLOWING["archive_read"] | {"DeviceFullAccess"}))),
                terms=tuple(draw(st.lists(st.sampled_from([HOLDS_NOW, LATER, ENDED]), max_size=2))),
            )
            for number, on in enumerate(
                draw(st.lists(st.sampled_from(["n1", "n2", "n1/on", "n1/off"]), max_size=3))
            )
        )
        roles.append(RoleDefinition(f"rl-{index}", "alice", f"role {index}", permissions))
    return tuple(roles)


USER_GROUPS = ["family", "staff"]
GROUPS = ["upstairs", "garden"]  # node groups
SUBJECTS = [*(USER_SUBJECT + user for user in USERS), *("group:" + group for group in USER_GROUPS)]
levels = st.sampled_from(list(Level))
users = st.sampled_from(USERS)
epochs = st.integers(min_value=1, max_value=2)
chains = st.lists(users, max_size=3, unique=True).map(tuple)


@st.composite
def node_groups_holding_the_node(draw: st.DrawFn) -> tuple[NodeGroupMembership, NodeGroup]:
    """A node group of some owner, holding the node since some epoch, with grants on it."""
    name, owner = draw(st.sampled_from(GROUPS)), draw(users)
    subjects = draw(st.lists(st.sampled_from(SUBJECTS), max_size=3, unique=True))
    group = NodeGroup(
        name, owner, name, grants=tuple(Grant(subject, draw(levels), None) for subject in subjects)
    )
    return NodeGroupMembership(name, owner, draw(epochs)), group


@st.composite
def situations(draw: st.DrawFn) -> tuple[Principal, Action, NodeFacts]:
    primary = draw(st.none() | users)
    grants = tuple(
        Grant(subject, draw(levels), draw(epochs), draw(chains))
        for subject in draw(st.lists(st.sampled_from(SUBJECTS), max_size=4, unique=True))
    )
    scopes = {"users": draw(st.sampled_from([["all"], ["alice"], []])), "projects": []}
    node_groups = tuple(
        draw(st.lists(node_groups_holding_the_node(), max_size=2, unique_by=lambda g: g[1].name))
    )
    memberships = tuple(membership for membership, _ in node_groups)
    rows = {
        user: Association(
            "n1", user, f"{user}@x.test", Role.SECONDARY, draw(levels), draw(epochs), 0, draw(chains)
        )
        for user in draw(st.lists(users, max_size=4, unique=True))
    }
    # What the store keeps on the node item beside the rows (tests/api/test_sharing_state.py).
    secondaries = frozenset(user for user, row in rows.items() if row.epoch == 2)
    rwp = frozenset(user for user in secondaries if rows[user].level is Level.READ_WRITE_PERMISSION)
    node = Node(
        "n1", "Light", "Lightbulb", {}, {}, epoch=2, primary_user_id=primary, grants=grants, scopes=scopes,
        node_groups=memberships, secondary_user_ids=secondaries, rwp_user_ids=rwp,
    )  # fmt: skip
    caller = draw(users)
    principal = Principal(caller, f"{caller}@x.test", is_operator=draw(st.booleans()))
    user_groups = frozenset(draw(st.lists(st.sampled_from(USER_GROUPS), max_size=2)))
    roles = draw(assigned_roles())
    facts = NodeFacts(draw(st.none() | st.just(node)), rows.get(caller), user_groups, node_groups, roles)
    action, action_id = draw(st.sampled_from(list(Action))), draw(st.sampled_from(["on", "off"]))
    # Projects last, so the examples drawn before them stay those the coverage test below found.
    scopes["projects"] = draw(st.sampled_from([["all"], ["P1"], ["P1", "P2"], []]))
    projects = frozenset(draw(st.lists(st.sampled_from(["P1", "P2", "P3"]), max_size=2)))
    # A factory reset the node reported: never, under an earlier epoch, under the current one.
    reset_epoch = draw(st.sampled_from([None, 1, 2]))
    if facts.node is not None:
        facts = replace(facts, node=replace(facts.node, reset_epoch=reset_epoch))
    return principal, action, replace(facts, projects=projects), action_id


@settings(max_examples=800, derandomize=True)
@given(situations())
def test_decide_agrees_with_the_spec_s_reference_model(situation):
    principal, action, facts, action_id = situation
    decision = decide(principal, action, facts, NOW, action_id)
    assert decision.allowed is reference(principal, action, facts, action_id), decision.reasons


@pytest.mark.parametrize(
    "reached",
    [
        lambda d: d.allowed and any(s.counts and s.target.startswith("node_group:") for s in d.sources),
        lambda d: d.allowed and any(s.counts and s.subject.startswith("group:") for s in d.sources),
        lambda d: not d.allowed and d.level is Level.DENY_READ,
        lambda d: not d.allowed and any("no longer holds rwp" in s.why for s in d.sources),
        lambda d: d.allowed and any(reason.startswith("role ") and "term" in reason for reason in d.reasons),
        lambda d: not d.allowed and any("no role permission covers" in reason for reason in d.reasons),
    ],
    ids=[
        "through a node group",
        "through a user group",
        "a deny",
        "a grantor without rwp",
        "a role's term that holds",
        "roles that do not cover",
    ],
)
def test_the_random_situations_reach_every_kind_of_source(reached):
    """The property above proves something only if its examples reach these cases."""
    find(
        situations(),
        lambda s: reached(decide(s[0], s[1], s[2], NOW, s[3])),
        settings=settings(max_examples=4000, derandomize=True, database=None, phases=[Phase.generate]),
    )


def light(**fields) -> Node:
    return Node("n1", "Light", "Lightbulb", {}, {}, **{"epoch": 2, "primary_user_id": "alice", **fields})


def row(user: str, level: Level, epoch: int = 2, granted_by: tuple[str, ...] = ()) -> Association:
    return Association("n1", user, f"{user}@x.test", Role.SECONDARY, level, epoch, 0, granted_by)


BOB = Principal("bob", "bob@x.test")


def test_a_direct_rw_and_a_grant_of_r_is_r():
    node = light(grants=(Grant("user:bob", Level.READ, 2),))
    facts = NodeFacts(node, row("bob", Level.READ_WRITE))
    assert decide(BOB, Action.READ, facts, NOW).allowed
    write = decide(BOB, Action.WRITE, facts, NOW)
    assert not write.allowed and write.level is Level.READ


def test_dr_anywhere_denies_but_the_secondary_may_still_leave():
    node = light(grants=(Grant("user:bob", Level.DENY_READ, 2),))
    facts = NodeFacts(node, row("bob", Level.READ_WRITE_PERMISSION))
    assert not decide(BOB, Action.READ, facts, NOW).allowed
    assert decide(BOB, Action.LEAVE, facts, NOW).allowed


def test_the_primary_is_never_restricted_by_a_grant():
    node = light(grants=(Grant("user:alice", Level.DENY_READ, 2),))
    assert decide(Principal("alice", "alice@x.test"), Action.WRITE, NodeFacts(node), NOW).allowed


def test_a_grant_from_an_earlier_epoch_counts_for_nothing():
    node = light(grants=(Grant("user:bob", Level.READ_WRITE, 1),))
    decision = decide(BOB, Action.READ, NodeFacts(node), NOW)
    assert not decision.allowed and not decision.visible


@pytest.mark.parametrize(
    "carol_then, carol_now",
    [
        ({"rwp_user_ids": frozenset({"carol"})}, {}),
        ({"grants": (Grant("user:carol", Level.READ_WRITE_PERMISSION, 2),)}, {}),
        (
            {"grants": (Grant("user:carol", Level.READ_WRITE_PERMISSION, 2),)},
            {"grants": (Grant("user:carol", Level.READ_WRITE_PERMISSION, 1),)},
        ),
    ],
    ids=["share removed or downgraded", "grant deleted", "grant stale"],
)
def test_access_given_by_an_rwp_user_ends_when_that_user_loses_rwp(carol_then, carol_now):
    # Given bob's access was shared by carol, who holds rwp by a share or by a direct grant
    bob = row("bob", Level.READ_WRITE, granted_by=("carol",))
    assert decide(BOB, Action.WRITE, NodeFacts(light(**carol_then), bob), NOW).allowed
    # When carol loses rwp, bob's access stops counting at once
    decision = decide(BOB, Action.READ, NodeFacts(light(**carol_now), bob), NOW)
    assert not decision.allowed and not decision.visible
    assert any("no longer holds rwp" in reason for reason in decision.reasons)


def test_sharing_onward_records_the_chain_and_is_limited():
    bob = row("bob", Level.READ_WRITE_PERMISSION, granted_by=("carol",))
    decision = decide(BOB, Action.SHARE, NodeFacts(light(rwp_user_ids=frozenset({"carol", "bob"})), bob), NOW)
    assert decision.allowed and decision.onward == ("bob", "carol")
    deep = row("bob", Level.READ_WRITE_PERMISSION, granted_by=("carol", "dave", "erin"))
    rwp = frozenset({"bob", "carol", "dave", "erin"})
    too_far = decide(BOB, Action.SHARE, NodeFacts(light(rwp_user_ids=rwp), deep), NOW)
    assert not too_far.allowed and too_far.visible


def test_the_primary_passes_access_on_with_an_empty_chain():
    decision = decide(Principal("alice", "alice@x.test"), Action.SHARE, NodeFacts(light()), NOW)
    assert decision.allowed and decision.onward == ()
