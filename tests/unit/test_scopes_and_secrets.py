"""Scopes (EVRYTHNG) and thing passwords."""

from collections.abc import Iterator

import pytest
from nodeshare.domain.scopes import (
    creation_scopes,
    default_node_scopes,
    default_product_scopes,
    in_scope,
    scopes_seen_by,
)
from nodeshare.domain.secrets import hash_secret, verify_secret
from nodeshare.model.errors import BadRequest
from nodeshare.settings import settings


@pytest.fixture
def default_node_scope(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set `DEFAULT_NODE_SCOPE` for one test (settings are read once, so the cache is cleared)."""
    settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    settings.cache_clear()


def test_all_matches_every_user():
    assert in_scope({"users": ["all"], "projects": []}, "anyone")


def test_named_users_and_projects_match_only_themselves():
    scopes = {"users": ["u1"], "projects": ["p1"]}
    assert in_scope(scopes, "u1")
    assert in_scope(scopes, "u2", projects=["p1"])
    assert not in_scope(scopes, "u2", projects=["p2"])
    assert not in_scope({"users": [], "projects": []}, "u1")


def test_a_node_s_default_scope_is_the_deployment_s_setting_all_unless_set(default_node_scope):
    default_node_scope.delenv("DEFAULT_NODE_SCOPE", raising=False)
    assert default_node_scopes() == {"users": ["all"], "projects": []}
    default_node_scope.setenv("DEFAULT_NODE_SCOPE", "none")
    settings.cache_clear()
    assert default_node_scopes() == {"users": [], "projects": []}


def test_a_default_node_scope_that_is_neither_all_nor_none_stops_the_function(default_node_scope):
    default_node_scope.setenv("DEFAULT_NODE_SCOPE", "everyone")
    with pytest.raises(ValueError, match="DEFAULT_NODE_SCOPE"):
        settings()


def test_a_product_s_default_scope_is_nobody():
    assert default_product_scopes() == {"users": [], "projects": []}


@pytest.mark.parametrize(
    ("given", "project", "expected"),
    [
        (None, None, {"users": ["all"], "projects": []}),  # the default
        (None, "P", {"users": ["all"], "projects": ["P"]}),
        ({}, None, {"users": [], "projects": []}),  # given: what is given is all there is
        ({"projects": ["Q"]}, "P", {"users": [], "projects": ["Q", "P"]}),
        ({"projects": ["P"]}, "P", {"users": [], "projects": ["P"]}),
        ({"projects": ["all"]}, "P", {"users": [], "projects": ["all"]}),
        ({"users": ["+a", "+a"], "projects": ["-Q"]}, None, {"users": ["a"], "projects": []}),
        ({"users": ["b", "all"]}, None, {"users": ["all"], "projects": []}),
    ],
)
def test_scopes_on_creation_go_through_the_grammar(given, project, expected):
    assert creation_scopes(given, {"users": ["all"], "projects": []}, project) == expected


@pytest.mark.parametrize(
    ("given", "project"),
    [
        ({"users": ["a", "+b"]}, None),
        ({"users": ["+"]}, None),
        ({"groups": []}, None),
        ({"projects": [f"P{i}" for i in range(100)]}, "P"),  # 101 with ?project=
    ],
)
def test_bad_scopes_on_creation_are_refused(given, project):
    with pytest.raises(BadRequest):
        creation_scopes(given, {"users": [], "projects": []}, project)


def test_a_user_is_shown_only_what_puts_it_in_scope():
    scopes = {"users": ["all", "me", "someone"], "projects": ["P1", "P2", "all"]}
    assert scopes_seen_by(scopes, "me", ["P2", "P3"]) == {"users": ["all", "me"], "projects": ["P2", "all"]}
    assert scopes_seen_by(scopes, "stranger", []) == {"users": ["all"], "projects": ["all"]}


def test_a_secret_is_stored_salted_and_verifies():
    first, second = hash_secret("thing-secret"), hash_secret("thing-secret")
    assert first != second, "salted: the same secret hashes differently"
    assert "thing-secret" not in first
    assert verify_secret("thing-secret", first) and verify_secret("thing-secret", second)
    assert not verify_secret("thing-secreT", first)
    assert not verify_secret("thing-secret", "not-a-hash")
