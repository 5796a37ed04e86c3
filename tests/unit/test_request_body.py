"""The JSON body parser (`http.request.parse_json`): strict JSON, valid Unicode, at most 32 levels,
refused with `BadRequest` (a 400) before anything walks the value."""

from __future__ import annotations

import pytest
from nodeshare.http.request import MAX_BODY_DEPTH, parse_json
from nodeshare.model.errors import BadRequest


def nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_strict_json_within_the_limits_is_read():
    text = '{"a": [1, 2.5, -0.0, 1e308, "\\ud83d\\udc22", null, true]}'  # a surrogate pair is fine
    assert parse_json(text) == {"a": [1, 2.5, -0.0, 1e308, "🐢", None, True]}
    assert parse_json(nested(MAX_BODY_DEPTH)) is not None
    assert parse_json("[" * MAX_BODY_DEPTH + "]" * MAX_BODY_DEPTH) is not None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * (MAX_BODY_DEPTH + 1) + "]" * (MAX_BODY_DEPTH + 1), "nested deeper than 32 levels"),
        (nested(MAX_BODY_DEPTH + 1), "nested deeper than 32 levels"),
        ("[" * 20_000 + "]" * 20_000, "nested deeper than 32 levels"),  # json.loads: RecursionError
        ('{"a": ' * 20_000 + "1" + "}" * 20_000, "nested deeper than 32 levels"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ("[Infinity]", "Infinity is not a JSON number"),
        ("[-Infinity]", "-Infinity is not a JSON number"),
        ("[1e400]", "1e400 is out of range"),
        ("[-1e400]", "-1e400 is out of range"),
        ('["\\ud800"]', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
        ('{"a": {"b": ["x\\udc00y"]}}', "lone surrogate"),
        ("1" * 5000, "Malformed JSON body"),  # more digits than Python reads into an int
        ("{not json", "Malformed JSON body"),
    ],
)
def test_what_no_reader_could_handle_is_refused(text, why):
    with pytest.raises(BadRequest) as refused:
        parse_json(text)
    assert why in refused.value.description
