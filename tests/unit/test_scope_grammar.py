"""The scope grammar (EVRYTHNG `PUT` with `scopes`, issue 10): replace, `+id`, `-id`, `all`,
mixes, duplicates and the 100-entry limit, per array."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nodeshare.domain.scopes import MAX_SCOPE_ENTRIES, update_scopes
from nodeshare.model.errors import BadRequest

HUNDRED = [f"u{i}" for i in range(100)]
CURRENT = {"users": ["a", "b"], "projects": ["P1"]}


@pytest.mark.parametrize(
    ("current", "update", "expected"),
    [
        # no prefix: the array is replaced; an omitted array is unchanged
        (CURRENT, {"users": ["c"]}, {"users": ["c"], "projects": ["P1"]}),
        (CURRENT, {"users": []}, {"users": [], "projects": ["P1"]}),
        (CURRENT, {"projects": ["P2", "P3"]}, {"users": ["a", "b"], "projects": ["P2", "P3"]}),
        (CURRENT, {}, CURRENT),
        # +id adds (already there: a no-op)
        (CURRENT, {"users": ["+c"]}, {"users": ["a", "b", "c"], "projects": ["P1"]}),
        (CURRENT, {"users": ["+a"]}, CURRENT),
        (
            CURRENT,
            {"users": ["+c", "+d"], "projects": ["+P2"]},
            {"users": ["a", "b", "c", "d"], "projects": ["P1", "P2"]},
        ),
        # -id removes (not there: a no-op)
        (CURRENT, {"users": ["-a"]}, {"users": ["b"], "projects": ["P1"]}),
        (CURRENT, {"users": ["-z"]}, CURRENT),
        (CURRENT, {"users": ["-a", "-b"], "projects": ["-P1"]}, {"users": [], "projects": []}),
        # all: everyone; an array naming it is exactly ["all"]
        (CURRENT, {"users": ["all"]}, {"users": ["all"], "projects": ["P1"]}),
        (CURRENT, {"users": ["a", "all", "b"]}, {"users": ["all"], "projects": ["P1"]}),
        (CURRENT, {"users": ["+all"]}, {"users": ["all"], "projects": ["P1"]}),
        ({"users": ["all"]}, {"users": ["+a"]}, {"users": ["all"], "projects": []}),
        ({"users": ["all"]}, {"users": ["-a"]}, {"users": ["all"], "projects": []}),
        ({"users": ["all"]}, {"users": ["-all"]}, {"users": [], "projects": []}),
        (CURRENT, {"users": ["-all"]}, {"users": [], "projects": ["P1"]}),
        (CURRENT, {"users": ["-all", "-a"]}, {"users": [], "projects": ["P1"]}),
        # duplicates collapse, in the update and in the current value
        (CURRENT, {"users": ["c", "c", "d", "c"]}, {"users": ["c", "d"], "projects": ["P1"]}),
        (CURRENT, {"users": ["+c", "+c", "+a"]}, {"users": ["a", "b", "c"], "projects": ["P1"]}),
        ({"users": ["a", "a"]}, {"users": ["-b"]}, {"users": ["a"], "projects": []}),
        # a missing array in the current value is empty
        ({}, {"projects": ["+P1"]}, {"users": [], "projects": ["P1"]}),
        # the limit: exactly 100 is fine
        ({}, {"users": HUNDRED}, {"users": HUNDRED, "projects": []}),
        (
            {"users": [f"u{i}" for i in range(99)]},
            {"users": ["+u0", "+x"]},
            {"users": [*(f"u{i}" for i in range(99)), "x"], "projects": []},
        ),
    ],
)
def test_an_update_gives_the_expected_scopes(current, update, expected):
    assert update_scopes(current, update) == expected


@pytest.mark.parametrize(
    "update",
    [
        {"users": ["a", "+b"]},  # bare and prefixed
        {"users": ["+a", "-b"]},  # both prefixes
        {"projects": ["-P1", "P2"]},
        {"users": ["+"]},  # a prefix naming nothing
        {"users": [""]},
        {"users": [f"u{i}" for i in range(MAX_SCOPE_ENTRIES + 1)]},  # 101 entries
        {"users": [f"+u{i}" for i in range(MAX_SCOPE_ENTRIES + 1)]},
        {"users": [f"+n{i}" for i in range(99)]},  # 2 + 99: 101 after the update
        {"groups": ["a"]},  # not a scope array
    ],
)
def test_a_bad_update_is_refused(update):
    with pytest.raises(BadRequest):
        update_scopes(CURRENT, update)


def test_the_current_value_is_not_changed():
    current = {"users": ["a"], "projects": []}
    update_scopes(current, {"users": ["+b"]})
    assert current == {"users": ["a"], "projects": []}


IDS = st.lists(st.sampled_from(["a", "b", "c", "d", "all"]), max_size=6)


@given(current=IDS, added=IDS, removed=IDS)
def test_adds_and_removes_commute_when_they_name_different_ids(current, added, removed):
    """Two operators' `+` and `-` (of different ids) give the same result in either order, which is
    what lets a retried conditional write converge whichever of them lands first."""
    removed = [scope_id for scope_id in removed if scope_id not in added and scope_id != "all"]
    added = [scope_id for scope_id in added if scope_id != "all"]
    # an empty array is a replacement (with nothing), so an empty side sends no array at all
    plus = {"users": [f"+{scope_id}" for scope_id in added]} if added else {}
    minus = {"users": [f"-{scope_id}" for scope_id in removed]} if removed else {}
    start = {"users": current}
    one = update_scopes(update_scopes(start, plus), minus)
    other = update_scopes(update_scopes(start, minus), plus)
    assert one == other
    if "all" not in current:
        assert set(one["users"]) == (set(current) | set(added)) - set(removed)
