"""The one decision point: `decide(principal, action, facts, now)` (SPEC §2.1, §2.3, §2.4)."""

import pytest
from nodeshare.domain.authorization import Action, NodeFacts, decide, decide_product, node_facts
from nodeshare.model.entities import Association, Node, Principal, Product, Role, User
from nodeshare.model.levels import Level
from nodeshare.store.access import Facts

NOW = 1_800_000_000
PRIMARY = Principal("u-primary", "primary@x.test")
SECONDARY = Principal("u-secondary", "secondary@x.test")
STRANGER = Principal("u-stranger", "stranger@x.test")
OPERATOR = Principal("u-operator", "operator@x.test", is_operator=True)
# Claiming and provisioning are about becoming the primary, not about using the node.
NODE_ACTIONS = [action for action in Action if action not in (Action.CLAIM, Action.PROVISION)]


def node(epoch: int = 3, primary: str | None = PRIMARY.user_id) -> Node:
    return Node("n1", "Light", "Lightbulb", {}, {}, epoch=epoch, primary_user_id=primary)


def secondary(level: Level = Level.READ_WRITE, epoch: int = 3) -> Association:
    return Association("n1", SECONDARY.user_id, SECONDARY.user_name, Role.SECONDARY, level, epoch)


@pytest.mark.parametrize("action", NODE_ACTIONS)
def test_the_primary_may_do_everything(action):
    decision = decide(PRIMARY, action, NodeFacts(node(), None), NOW)
    assert decision.allowed and decision.role is Role.PRIMARY


@pytest.mark.parametrize(
    ("level", "action", "allowed"),
    [
        (Level.READ, Action.READ, True),
        (Level.READ, Action.WRITE, False),
        (Level.READ_WRITE, Action.WRITE, True),
        (Level.READ_WRITE, Action.SHARE, False),
        (Level.READ_WRITE_PERMISSION, Action.SHARE, True),
        (Level.DENY_READ, Action.READ, False),
        (Level.DENY_READ, Action.LEAVE, True),
    ],
)
def test_a_secondary_gets_what_its_level_allows(level, action, allowed):
    decision = decide(SECONDARY, action, NodeFacts(node(), secondary(level)), NOW)
    assert decision.allowed is allowed
    assert decision.visible, "a secondary knows the node exists"


@pytest.mark.parametrize("action", NODE_ACTIONS)
def test_a_stale_association_counts_for_nothing_and_reveals_nothing(action):
    # Given a secondary made under epoch 2, when the node has moved on to epoch 3 (re-claim, release)
    decision = decide(SECONDARY, action, NodeFacts(node(epoch=3), secondary(epoch=2)), NOW)
    # Then it is refused at once, exactly like a stranger
    assert not decision.allowed and not decision.visible
    assert any("stale" in reason for reason in decision.reasons)


def test_a_former_primary_is_refused_after_a_new_claim():
    decision = decide(PRIMARY, Action.READ, NodeFacts(node(primary="u-new"), None), NOW)
    assert not decision.allowed and not decision.visible


@pytest.mark.parametrize("action", NODE_ACTIONS)
def test_a_stranger_cannot_tell_a_foreign_node_from_a_missing_one(action):
    foreign = decide(STRANGER, action, NodeFacts(node(), None), NOW)
    missing = decide(STRANGER, action, NodeFacts(None, None), NOW)
    assert not foreign.allowed and not missing.allowed
    assert foreign.visible is missing.visible is False


def test_an_operator_may_read_every_node_but_not_write_it():
    assert decide(OPERATOR, Action.READ, NodeFacts(node(), None), NOW).allowed
    for action in (Action.WRITE, Action.SHARE, Action.LEAVE):
        decision = decide(OPERATOR, action, NodeFacts(node(), None), NOW)
        assert not decision.allowed and decision.visible


def test_an_unclaimed_node_belongs_to_nobody():
    decision = decide(PRIMARY, Action.READ, NodeFacts(node(primary=None), None), NOW)
    assert not decision.allowed and not decision.visible


def test_a_claim_is_in_scope_through_a_project_the_caller_s_user_row_names():
    scoped = Node(
        "n1",
        "Light",
        "Lightbulb",
        {},
        {},
        epoch=1,
        primary_user_id=None,
        scopes={"users": [], "projects": ["P1"]},
    )
    row = User(STRANGER.user_id, STRANGER.user_name, project_ids=frozenset({"P1"}))
    # Given the caller's user row names P1, the facts carry it and the claim is in scope
    facts = node_facts(STRANGER.user_id, "n1", Facts(nodes={"n1": scoped}, users={STRANGER.user_id: row}))
    assert facts.projects == {"P1"}
    assert decide(STRANGER, Action.CLAIM, facts, NOW).allowed
    # Another project, or none, is out of scope
    assert not decide(STRANGER, Action.CLAIM, NodeFacts(scoped, projects=frozenset({"P2"})), NOW).allowed
    assert not decide(STRANGER, Action.CLAIM, NodeFacts(scoped), NOW).allowed


@pytest.mark.parametrize(
    ("scopes", "principal", "projects", "seen"),
    [
        ({"users": ["all"], "projects": []}, STRANGER, set(), True),
        ({"users": [], "projects": ["all"]}, STRANGER, set(), True),  # `all` matches everyone
        ({"users": [STRANGER.user_id], "projects": []}, STRANGER, set(), True),
        ({"users": [PRIMARY.user_id], "projects": []}, STRANGER, set(), False),
        ({"users": [], "projects": ["P1"]}, STRANGER, {"P1"}, True),
        ({"users": [], "projects": ["P1"]}, STRANGER, {"P2"}, False),
        ({"users": [], "projects": []}, STRANGER, {"P1"}, False),
        ({"users": [], "projects": []}, OPERATOR, set(), True),  # operators see every product
    ],
)
def test_who_may_see_a_product_is_its_scopes_and_operators(scopes, principal, projects, seen):
    product = Product("UmxHK6K8BXsa9KawRh4bTbqc", "Lamp", scopes=scopes)
    assert decide_product(principal, product, frozenset(projects)) is seen


def test_a_missing_product_is_seen_by_no_one():
    assert not decide_product(OPERATOR, None, frozenset())
