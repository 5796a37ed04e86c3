"""What may be stored (`domain.stored_json.check_storable`), and the pure rules of node tags and
metadata (`domain.node_details`): the shadow-style merge and the tag limit."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nodeshare.domain.node_details import MAX_TAGS, changed_tags, merge_metadata
from nodeshare.domain.stored_json import check_storable
from nodeshare.model.errors import BadRequest

# --- check_storable -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1, "b": "", "c": None, "d": [], "e": {}, "f": [1, None, "x", True, {"g": 2.5}]},
        {"k" * 64: 1},
        {"n": 0, "m": -0.0, "small": 1e-130, "big": 9.99e125, "bigint": 10**125 * 9},
        {"exact": 12345678901234567890123456789012345678},  # 38 digits
        {"round": 10**100},  # trailing zeros are not significant digits
        {"unicode": "żółw 🐢", "ключ": "значение"},
        {"deep": {"1": {"2": {"3": {"4": {"5": {"6": {"7": "leaf"}}}}}}}},  # 8 levels with the top
        ["any", "JSON", 1],
    ],
)
def test_storable_values_pass(value):
    check_storable(value, "metadata")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"": 1}, "non-empty"),
        ({"a": {"": 1}}, "non-empty"),
        ({"k" * 65: 1}, "longer than 64"),
        ({"a": math.nan}, "NaN"),
        ({"a": [math.inf]}, "NaN and Infinity"),
        ({"a": -math.inf}, "NaN and Infinity"),
        ({"a": 1e-131}, "magnitude"),
        ({"a": 1e126}, "magnitude"),
        ({"a": -(10**126)}, "magnitude"),
        ({"a": 123456789012345678901234567890123456789}, "significant digits"),  # 39 digits
        ({"a": "\ud800"}, "lone surrogate"),
        ({"\udfff": 1}, "lone surrogate"),
        ({"1": {"2": {"3": {"4": {"5": {"6": {"7": {"8": {}}}}}}}}}, "deeper than 8"),
        ({"a": "x" * 8200}, "bytes"),
        ({"a": {1, 2}}, "not a JSON value"),
    ],
)
def test_values_dynamodb_cannot_hold_or_give_back_are_refused(value, why):
    with pytest.raises(BadRequest) as refused:
        check_storable(value, "metadata")
    assert why in refused.value.description
    assert refused.value.description.startswith("metadata")


def test_the_error_names_where_the_bad_value_is():
    with pytest.raises(BadRequest) as refused:
        check_storable({"room": {"temps": [1, math.nan]}}, "metadata")
    assert refused.value.description.startswith("metadata.room.temps[1]:")


def test_the_size_limit_counts_utf8_bytes():
    check_storable({"a": "é" * 4000}, "metadata")  # 8000 bytes of text plus the braces
    with pytest.raises(BadRequest):
        check_storable({"a": "é" * 4100}, "metadata")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100).filter(
        lambda number: number == 0 or abs(number) >= 1e-100
    ),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(min_size=1, max_size=10), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(json_values)
def test_whatever_passes_survives_a_json_round_trip(value):
    """Anything accepted prints as strict JSON and reads back equal (what a reader will get)."""
    try:
        check_storable(value, "v")
    except BadRequest:
        return
    assert json.loads(json.dumps(value, allow_nan=False)) == value


# --- merge_metadata -------------------------------------------------------------------------------


def test_new_keys_are_added_and_existing_ones_replaced():
    assert merge_metadata({"a": 1, "b": 2}, {"b": 3, "c": 4}) == {"a": 1, "b": 3, "c": 4}


def test_a_null_deletes_its_key_and_a_missing_key_is_no_error():
    assert merge_metadata({"a": 1, "b": 2}, {"a": None, "zzz": None}) == {"b": 2}


def test_objects_merge_key_by_key_at_every_level():
    current = {"room": {"name": "kitchen", "floor": {"n": 1, "wing": "east"}}}
    patch = {"room": {"floor": {"wing": None, "n": 2}, "lights": 3}}
    assert merge_metadata(current, patch) == {"room": {"name": "kitchen", "floor": {"n": 2}, "lights": 3}}


def test_arrays_replace_and_never_concatenate():
    assert merge_metadata({"a": [1, 2, 3]}, {"a": [4]}) == {"a": [4]}
    assert merge_metadata({"a": [1, 2]}, {"a": []}) == {"a": []}


def test_an_object_replaces_a_scalar_and_a_scalar_an_object():
    assert merge_metadata({"a": 1, "b": {"c": 1}}, {"a": {"x": 1, "y": None}, "b": 2}) == {
        "a": {"x": 1},
        "b": 2,
    }


def test_merging_modifies_neither_argument():
    current, patch = {"a": {"b": 1}}, {"a": {"b": None}}
    merge_metadata(current, patch)
    assert current == {"a": {"b": 1}} and patch == {"a": {"b": None}}


@given(json_values.filter(lambda value: isinstance(value, dict)))
def test_merging_a_document_without_nulls_onto_nothing_gives_it_back(patch):
    def has_null(value):
        if isinstance(value, dict):
            return any(item is None or has_null(item) for item in value.values())
        return False

    if not has_null(patch):
        assert merge_metadata({}, patch) == patch


# --- changed_tags ---------------------------------------------------------------------------------


def test_adding_keeps_order_and_ignores_tags_already_there():
    assert changed_tags(("a:1", "b:2"), ("c:3", "a:1", "c:3"), ()) == ("a:1", "b:2", "c:3")


def test_removing_a_tag_the_node_has_not_is_no_error():
    assert changed_tags(("a:1", "b:2"), (), ("b:2", "nope")) == ("a:1",)


def test_at_most_fifty_tags():
    full = tuple(f"t:{index}" for index in range(MAX_TAGS))
    assert changed_tags(full, ("t:0",), ()) == full  # nothing new: fine
    with pytest.raises(BadRequest):
        changed_tags(full, ("t:new",), ())
    assert len(changed_tags(full[:-1], ("t:new",), ())) == MAX_TAGS
