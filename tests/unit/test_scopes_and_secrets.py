"""Scopes (EVRYTHNG) and thing passwords."""

from nodeshare.domain.scopes import default_scopes, in_scope
from nodeshare.domain.secrets import hash_secret, verify_secret


def test_all_matches_every_user():
    assert in_scope({"users": ["all"], "projects": []}, "anyone")


def test_named_users_and_projects_match_only_themselves():
    scopes = {"users": ["u1"], "projects": ["p1"]}
    assert in_scope(scopes, "u1")
    assert in_scope(scopes, "u2", projects=["p1"])
    assert not in_scope(scopes, "u2", projects=["p2"])
    assert not in_scope({"users": [], "projects": []}, "u1")


def test_default_scopes_are_open_and_take_the_project():
    assert default_scopes("p9") == {"users": ["all"], "projects": ["p9"]}


def test_a_secret_is_stored_salted_and_verifies():
    first, second = hash_secret("thing-secret"), hash_secret("thing-secret")
    assert first != second, "salted: the same secret hashes differently"
    assert "thing-secret" not in first
    assert verify_secret("thing-secret", first) and verify_secret("thing-secret", second)
    assert not verify_secret("thing-secreT", first)
    assert not verify_secret("thing-secret", "not-a-hash")
