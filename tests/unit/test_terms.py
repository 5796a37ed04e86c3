"""Symphony's time conditions (`domain.terms`): from inclusive, to exclusive, in the entry's own
offset; windows that wrap past midnight; an empty list holds always; anything malformed is a 400
naming the entry. Examples first, then properties against a plain reference model built on the
standard library's `datetime`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nodeshare.domain.terms import (
    ALWAYS,
    DAY_NAMES,
    MAX_TERMS,
    Everyday,
    Once,
    Term,
    Weekly,
    describe,
    holding_term,
    parse_terms,
    term_holds,
    term_json,
)
from nodeshare.model.errors import BadRequest

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at(text: str) -> int:
    """Epoch seconds of an ISO-8601 date-time with offset (exact: no float)."""
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(seconds=1)


def one(entry: dict[str, Any]) -> Term:
    (term,) = parse_terms([entry])
    return term


def once(start: str, end: str) -> Term:
    return one({"once": {"from": start, "to": end}, "weekly": None, "everyday": None})


def weekly(days: list[str], start: str, end: str) -> Term:
    return one({"weekly": {"days": days, "from": start, "to": end}})


def everyday(start: str, end: str) -> Term:
    return one({"everyday": {"from": start, "to": end}})


# 2024-01-08 is a Monday; 2024-01-12 a Friday.


def test_the_seed_s_once_entry_holds_from_its_from_inclusive_to_its_to_exclusive():
    # Given the entry of the Symphony seed's PermissionInfo
    term = once("2018-03-01T00:00:00+09:00", "2018-04-01T00:00:00+09:00")
    # Then it holds exactly at from, and stops holding exactly at to
    start = at("2018-02-28T15:00:00+00:00")
    end = at("2018-03-31T15:00:00+00:00")
    assert not term_holds(term, start - 1)
    assert term_holds(term, start)
    assert term_holds(term, end - 1)
    assert not term_holds(term, end)


def test_once_compares_instants_across_offsets():
    # 10:00 in Tokyo is 01:00 UTC: an hour to 02:00Z
    term = once("2024-01-08T10:00:00+09:00", "2024-01-08T02:00:00Z")
    assert term_holds(term, at("2024-01-08T01:00:00+00:00"))
    assert not term_holds(term, at("2024-01-08T02:00:00+00:00"))
    assert not term_holds(term, at("2024-01-08T00:59:59+00:00"))


def test_once_keeps_a_fraction_of_a_second_exactly():
    term = once("2024-01-08T10:00:00.250Z", "2024-01-08T10:00:02.000000001Z")
    start = at("2024-01-08T10:00:00+00:00")
    assert not term_holds(term, start)  # 10:00:00 is before 10:00:00.250
    assert term_holds(term, start + 1)
    assert term_holds(term, start + 2)  # 10:00:02 is before 10:00:02.000000001
    assert not term_holds(term, start + 3)


def test_once_accepts_minutes_only_and_negative_half_hour_offsets():
    term = once("2024-01-08T09:00-05:30", "2024-01-08T09:01-05:30")
    assert not term_holds(term, at("2024-01-08T14:29:59+00:00"))
    assert term_holds(term, at("2024-01-08T14:30:00+00:00"))
    assert not term_holds(term, at("2024-01-08T14:31:00+00:00"))


def test_weekly_counts_days_in_the_offset_s_local_time_at_plus_nine():
    # Monday 00:00 in Tokyo is Sunday 15:00 UTC
    term = weekly(["mon"], "00:00+09:00", "06:00+09:00")
    assert not term_holds(term, at("2024-01-07T14:59:59+00:00"))
    assert term_holds(term, at("2024-01-07T15:00:00+00:00"))
    assert term_holds(term, at("2024-01-07T20:59:59+00:00"))
    assert not term_holds(term, at("2024-01-07T21:00:00+00:00"))
    # Monday 00:00 UTC is already Monday 09:00 in Tokyo: outside the window
    assert not term_holds(term, at("2024-01-08T00:00:00+00:00"))


def test_weekly_sunday_evening_in_tokyo_ends_at_monday_midnight_local():
    term = weekly(["sun"], "20:00+09:00", "00:00+09:00")  # wraps: ends Monday 00:00 +09:00
    assert term_holds(term, at("2024-01-07T23:59:59+09:00"))
    assert not term_holds(term, at("2024-01-08T00:00:00+09:00"))
    assert term_holds(term, at("2024-01-07T20:00:00+09:00"))
    assert not term_holds(term, at("2024-01-07T19:59:59+09:00"))


def test_weekly_with_a_negative_offset_is_still_sunday_at_monday_midnight_utc():
    term = weekly(["mon"], "00:00-05:00", "05:00-05:00")
    assert not term_holds(term, at("2024-01-08T00:00:00+00:00"))  # Sunday 19:00 local
    assert term_holds(term, at("2024-01-08T05:00:00+00:00"))  # Monday 00:00 local


def test_a_friday_window_wrapping_midnight_holds_into_saturday_only():
    term = weekly(["fri"], "22:00+09:00", "02:00+09:00")
    assert not term_holds(term, at("2024-01-12T21:59:59+09:00"))
    assert term_holds(term, at("2024-01-12T22:00:00+09:00"))
    assert term_holds(term, at("2024-01-13T00:00:00+09:00"))
    assert term_holds(term, at("2024-01-13T01:00:00+09:00"))  # Saturday 01:00
    assert term_holds(term, at("2024-01-13T01:59:59+09:00"))
    assert not term_holds(term, at("2024-01-13T02:00:00+09:00"))
    # Saturday is not listed: no window starts at its 22:00
    assert not term_holds(term, at("2024-01-13T22:00:00+09:00"))
    # the early hours of Friday follow Thursday, which is not listed
    assert not term_holds(term, at("2024-01-12T01:00:00+09:00"))


def test_a_wrapping_window_on_consecutive_days_holds_after_each_of_them():
    term = weekly(["fri", "sat"], "22:00Z", "02:00Z")
    assert term_holds(term, at("2024-01-14T01:00:00+00:00"))  # Sunday 01:00, after Saturday
    assert not term_holds(term, at("2024-01-15T01:00:00+00:00"))  # Monday 01:00, after Sunday
    assert not term_holds(term, at("2024-01-13T12:00:00+00:00"))  # Saturday noon


def test_everyday_wraps_midnight_on_every_day():
    term = everyday("22:00Z", "06:00Z")
    for day in range(8, 15):
        assert term_holds(term, at(f"2024-01-{day:02}T22:00:00+00:00"))
        assert term_holds(term, at(f"2024-01-{day:02}T05:59:59+00:00"))
        assert not term_holds(term, at(f"2024-01-{day:02}T06:00:00+00:00"))
        assert not term_holds(term, at(f"2024-01-{day:02}T21:59:59+00:00"))


def test_everyday_with_a_half_hour_offset_and_seconds():
    term = everyday("09:00:30-05:30", "17:00-05:30")
    assert not term_holds(term, at("2024-01-08T14:30:29+00:00"))
    assert term_holds(term, at("2024-01-08T14:30:30+00:00"))
    assert term_holds(term, at("2024-01-08T22:29:59+00:00"))
    assert not term_holds(term, at("2024-01-08T22:30:00+00:00"))


def test_a_whole_day_is_two_entries_the_second_ending_at_the_next_midnight():
    terms = parse_terms(
        [
            {"weekly": {"days": ["mon"], "from": "00:00+09:00", "to": "12:00+09:00"}},
            {"weekly": {"days": ["mon"], "from": "12:00+09:00", "to": "00:00+09:00"}},
        ]
    )
    monday = at("2024-01-08T00:00:00+09:00")
    assert holding_term(terms, monday - 1) is None
    assert all(holding_term(terms, now) is not None for now in range(monday, monday + 86_400, 59))
    assert holding_term(terms, monday + 86_399) == 1
    assert holding_term(terms, monday + 86_400) is None


def test_z_and_zero_offsets_are_the_same_offset():
    term = weekly(["mon"], "08:00Z", "09:00+00:00")
    assert term_holds(term, at("2024-01-08T08:30:00+00:00"))


def test_an_empty_list_holds_always():
    assert parse_terms([]) == ()
    assert holding_term([], 0) == ALWAYS == -1
    assert holding_term(parse_terms([]), at("2099-12-31T23:59:59+00:00")) == ALWAYS


def test_holding_term_names_the_first_entry_that_holds_or_none():
    terms = parse_terms(
        [
            {"once": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}},
            {"everyday": {"from": "08:00Z", "to": "18:00Z"}},
            {"weekly": {"days": ["mon"], "from": "00:00Z", "to": "12:00Z"}},
        ]
    )
    assert holding_term(terms, at("2024-01-01T10:00:00+00:00")) == 0  # all three hold: the first
    assert holding_term(terms, at("2024-01-08T10:00:00+00:00")) == 1
    assert holding_term(terms, at("2024-01-08T07:00:00+00:00")) == 2
    assert holding_term(terms, at("2024-01-09T07:00:00+00:00")) is None


def test_term_json_shows_all_three_keys_and_the_strings_as_sent():
    raw = [
        {"once": {"from": "2018-03-01T00:00:00+09:00", "to": "2018-04-01T00:00:00.000Z"}},
        {"weekly": {"days": ["tue", "mon"], "from": "16:00+09:00", "to": "20:00:00+09:00"}, "once": None},
        {"everyday": {"from": "22:00Z", "to": "02:00+00:00"}},
    ]
    shown = [term_json(term) for term in parse_terms(raw)]
    assert shown == [
        {"once": raw[0]["once"], "weekly": None, "everyday": None},
        {"once": None, "weekly": raw[1]["weekly"], "everyday": None},
        {"once": None, "weekly": None, "everyday": raw[2]["everyday"]},
    ]
    assert parse_terms(shown) == parse_terms(raw)


def test_describe_is_short_and_says_when_a_window_runs_into_the_next_day():
    assert (
        describe(weekly(["mon", "tue"], "16:00+09:00", "20:00+09:00")) == "weekly mon,tue 16:00-20:00 +09:00"
    )
    assert describe(everyday("22:00Z", "02:00Z")) == "everyday 22:00-02:00 Z (to the next day)"
    assert (
        describe(once("2018-03-01T00:00:00+09:00", "2018-04-01T00:00:00+09:00"))
        == "once 2018-03-01T00:00:00+09:00 to 2018-04-01T00:00:00+09:00"
    )


def test_parsed_entries_are_the_three_kinds():
    assert isinstance(once("2024-01-01T00:00Z", "2024-01-02T00:00Z"), Once)
    assert isinstance(weekly(["sun"], "00:00Z", "01:00Z"), Weekly)
    assert isinstance(everyday("00:00Z", "01:00Z"), Everyday)


def _once(start: Any, end: Any) -> list[Any]:
    return [{"once": {"from": start, "to": end}}]


def _weekly(days: Any, start: Any = "16:00+09:00", end: Any = "20:00+09:00") -> list[Any]:
    return [{"weekly": {"days": days, "from": start, "to": end}}]


def _everyday(start: Any, end: Any) -> list[Any]:
    return [{"everyday": {"from": start, "to": end}}]


GOOD_ONCE = {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}
GOOD_EVERYDAY = {"from": "08:00Z", "to": "09:00Z"}

BAD = {
    "not a list": ({"once": GOOD_ONCE}, "term: must be a list"),
    "null": (None, "term: must be a list"),
    "11 entries": ([{"everyday": GOOD_EVERYDAY}] * (MAX_TERMS + 1), "term: at most 10 entries"),
    "entry not an object": (["once"], "term[0]: must be an object"),
    "no kind": ([{}], "term[0]: must hold exactly one of once, weekly, everyday"),
    "all null": ([{"once": None, "weekly": None, "everyday": None}], "found none"),
    "two kinds": ([{"once": GOOD_ONCE, "everyday": GOOD_EVERYDAY}], "found once and everyday"),
    "unknown kind": ([{"monthly": GOOD_EVERYDAY}], "term[0]: unknown key 'monthly'"),
    "kind not an object": ([{"everyday": "08:00Z-09:00Z"}], "term[0].everyday: must be an object"),
    "unknown field": ([{"once": {**GOOD_ONCE, "until": "x"}}], "term[0].once: unknown key 'until'"),
    "from missing": ([{"once": {"to": "2024-01-02T00:00:00Z"}}], "term[0].once.from: missing"),
    "to null": ([{"everyday": {"from": "08:00Z", "to": None}}], "term[0].everyday.to: missing"),
    "days missing": ([{"weekly": GOOD_EVERYDAY}], "term[0].weekly.days: missing"),
    "days on everyday": ([{"everyday": {**GOOD_EVERYDAY, "days": ["mon"]}}], "unknown key 'days'"),
    "once without offset": (
        _once("2024-01-01T00:00:00", "2024-01-02T00:00:00Z"),
        "once.from: offset missing",
    ),
    "once basic offset": (
        _once("2024-01-01T00:00:00Z", "2024-01-02T00:00:00+0900"),
        "once.to: offset must be",
    ),
    "once hour offset": (
        _once("2024-01-01T00:00:00+09", "2024-01-02T00:00:00Z"),
        "offset must be Z or ±HH:MM",
    ),
    "once from == to": (_once("2024-01-01T09:00:00+09:00", "2024-01-01T00:00:00Z"), "must be before to"),
    "once from > to": (_once("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z"), "must be before to"),
    "once date only": (_once("2024-01-01", "2024-01-02T00:00:00Z"), "not an ISO-8601 date-time"),
    "once space for T": (_once("2024-01-01 00:00:00Z", "2024-01-02T00:00:00Z"), "not an ISO-8601"),
    "once lowercase z": (_once("2024-01-01T00:00:00z", "2024-01-02T00:00:00Z"), "once.from"),
    "once 24:00": (_once("2024-01-01T24:00:00Z", "2024-01-02T00:00:00Z"), "no such time of day"),
    "once leap second": (_once("2024-01-01T23:59:60Z", "2024-01-02T00:00:00Z"), "no such time of day"),
    "once 30 February": (_once("2024-02-30T00:00:00Z", "2024-03-02T00:00:00Z"), "not a calendar date"),
    "once offset too far": (_once("2024-01-01T00:00:00+14:30", "2024-01-02T00:00:00Z"), "between -14:00"),
    "once offset minutes": (_once("2024-01-01T00:00:00+05:60", "2024-01-02T00:00:00Z"), "between -14:00"),
    "once not a string": (_once(1704067200, "2024-01-02T00:00:00Z"), "once.from: must be a string"),
    "once non-ascii digits": (
        _once("\uff12\uff10\uff12\uff14-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
        "not an ISO-8601",
    ),
    "weekly without offset": (_weekly(["mon"], "16:00"), "term[0].weekly.from: offset missing"),
    "weekly basic offset": (_weekly(["mon"], "16:00+0900", "20:00+0900"), "offset must be Z or ±HH:MM"),
    "weekly mismatched offsets": (_weekly(["mon"], "16:00+09:00", "20:00Z"), "the same offset"),
    "weekly from == to": (_weekly(["mon"], "16:00+09:00", "16:00:00+09:00"), "the same time"),
    "weekly 25:00": (_weekly(["mon"], "25:00+09:00"), "no such time of day"),
    "weekly 24:00": (_weekly(["mon"], "16:00+09:00", "24:00+09:00"), "no such time of day"),
    "weekly 16:60": (_weekly(["mon"], "16:60+09:00"), "no such time of day"),
    "weekly seconds 60": (_weekly(["mon"], "16:00:60+09:00"), "no such time of day"),
    "weekly one-digit hour": (_weekly(["mon"], "9:00+09:00"), "not a time of day"),
    "weekly fraction": (_weekly(["mon"], "16:00:00.5+09:00"), "not a time of day"),
    "weekly date-time": (_weekly(["mon"], "2024-01-01T16:00+09:00"), "not a time of day"),
    "weekly not a string": (_weekly(["mon"], 16), "weekly.from: must be a string"),
    "unknown day": (_weekly(["mon", "funday"]), "weekly.days[1]: 'funday' is not one of"),
    "capitalised day": (_weekly(["Mon"]), "(lowercase)"),
    "empty days": (_weekly([]), "weekly.days: must be a non-empty list"),
    "days not a list": (_weekly("mon"), "weekly.days: must be a non-empty list"),
    "duplicate days": (_weekly(["mon", "tue", "mon"]), "weekly.days[2]: 'mon' is listed twice"),
    "day not a string": (_weekly([1]), "weekly.days[0]: a number is not one of"),
    "everyday without offset": (_everyday("08:00Z", "09:00"), "everyday.to: offset missing"),
    "everyday from == to": (_everyday("08:00Z", "08:00+00:00"), "the same time"),
    "everyday offset too far": (_everyday("08:00-14:01", "09:00-14:01"), "between -14:00 and +14:00"),
    "second entry named": (
        [{"everyday": GOOD_EVERYDAY}, *_weekly(["mon"], "16:00", "20:00+09:00")],
        "term[1].weekly.from: offset missing",
    ),
}


@pytest.mark.parametrize(("raw", "message"), BAD.values(), ids=BAD.keys())
def test_malformed_terms_are_a_bad_request_naming_the_entry(raw, message):
    with pytest.raises(BadRequest) as refused:
        parse_terms(raw)
    assert message in refused.value.description


def test_ten_entries_and_the_widest_offsets_are_accepted():
    assert len(parse_terms([{"everyday": GOOD_EVERYDAY}] * MAX_TERMS)) == MAX_TERMS
    assert everyday("00:00+14:00", "01:00+14:00") == everyday("00:00+14:00", "01:00+14:00")
    assert isinstance(weekly(["sun"], "00:00-14:00", "01:00-14:00"), Weekly)


# --- properties against a reference model ---------------------------------------------------

ODD_OFFSETS = [9 * 60, 0, 5 * 60 + 45, -(3 * 60 + 30), -(5 * 60 + 30), 14 * 60, -12 * 60, 12 * 60 + 45]
offsets_in_minutes = st.one_of(st.sampled_from(ODD_OFFSETS), st.integers(-14 * 60, 14 * 60))
seconds_of_day = st.one_of(
    st.integers(0, 23).map(lambda hour: hour * 3600),  # whole hours, so that windows meet and wrap often
    st.integers(0, 86_399),
)
# 1950 to 2100, both sides of the epoch
anywhere = st.integers(-631_152_000, 4_102_444_800)
deltas = st.integers(-2, 2) | st.integers(-90_000, 90_000)  # at a boundary, or anywhere near it


def offset_text(minutes: int, zulu: bool) -> str:
    if minutes == 0 and zulu:
        return "Z"
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def clock_text(seconds: int, with_seconds: bool) -> str:
    hour, minute, second = seconds // 3600, seconds // 60 % 60, seconds % 60
    return f"{hour:02}:{minute:02}:{second:02}" if with_seconds or second else f"{hour:02}:{minute:02}"


def reference_daily(days: set[int], start: time, end: time, offset: timedelta, now: int) -> bool:
    """The window in the plainest terms: the local date and clock at `now`, then today's window and,
    for a window that runs past midnight, the one that started yesterday."""
    local = datetime.fromtimestamp(now, timezone(offset))
    today = local.weekday()
    clock = local.time()
    if start < end:
        return today in days and start <= clock < end
    yesterday = (today - 1) % 7
    started_today = today in days and clock >= start
    started_yesterday = yesterday in days and clock < end
    return started_today or started_yesterday


def as_time(seconds: int) -> time:
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


@st.composite
def daily_windows(draw: st.DrawFn) -> tuple[list[Any], set[int], time, time, timedelta, int]:
    """A weekly or everyday entry as a client would send it, the same window for the reference
    model, and a `now` anywhere or a few seconds (or up to a day) from one of its boundaries."""
    minutes, zulu, with_seconds = draw(offsets_in_minutes), draw(st.booleans()), draw(st.booleans())
    start, end = draw(seconds_of_day), draw(seconds_of_day)
    span = {
        "from": clock_text(start, with_seconds) + offset_text(minutes, zulu),
        "to": clock_text(end, with_seconds) + offset_text(minutes, zulu),
    }
    day_mask = draw(st.integers(0, 127))  # 0: everyday, else the weekly days of its bits
    weekdays = {day for day in range(7) if day_mask >> day & 1} or set(range(7))
    days = [DAY_NAMES[day] for day in sorted(weekdays)]
    raw = [{"weekly": {"days": days, **span}} if day_mask else {"everyday": span, "weekly": None}]
    local_midnight = draw(anywhere) // 86_400 * 86_400 - minutes * 60
    now = local_midnight + draw(st.sampled_from([start, end, 0, 43_200])) + draw(deltas)
    return raw, weekdays, as_time(start), as_time(end), timedelta(minutes=minutes), now


@settings(max_examples=500, derandomize=True)
@given(daily_windows())
def test_weekly_and_everyday_agree_with_the_reference_model(case):
    raw, weekdays, start, end, offset, now = case
    if start == end:
        with pytest.raises(BadRequest, match="the same time"):
            parse_terms(raw)
        return
    (term,) = parse_terms(raw)
    assert term_holds(term, now) is reference_daily(weekdays, start, end, offset, now)


def instant_text(moment: datetime, zulu: bool) -> str:
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if zulu and text.endswith("+00:00") else text


@st.composite
def once_windows(draw: st.DrawFn) -> tuple[list[Any], datetime, datetime, int]:
    """A once entry with random offsets (and sometimes a fraction of a second) at each end, and a
    `now` anywhere or a few seconds from either end."""
    ends = []
    for _ in range(2):
        minutes = draw(offsets_in_minutes)
        micros = draw(st.sampled_from([0, 0, 0, 1, 500_000, 999_999]))
        moment = EPOCH + timedelta(seconds=draw(anywhere), microseconds=micros)
        ends.append(moment.astimezone(timezone(timedelta(minutes=minutes))))
    start, end = sorted(ends)
    zulu = draw(st.booleans())
    raw = [{"once": {"from": instant_text(start, zulu), "to": instant_text(end, zulu)}}]
    boundary = draw(st.sampled_from([start, end]))
    near = st.integers(-2, 2).map(lambda delta: (boundary - EPOCH) // timedelta(seconds=1) + delta)
    now = draw(anywhere | near)
    return raw, start, end, now


@settings(max_examples=500, derandomize=True)
@given(once_windows())
def test_once_agrees_with_the_reference_model(case):
    raw, start, end, now = case
    if start == end:
        with pytest.raises(BadRequest, match="must be before to"):
            parse_terms(raw)
        return
    (term,) = parse_terms(raw)
    assert term_holds(term, now) is (start <= datetime.fromtimestamp(now, UTC) < end)


@settings(max_examples=100, derandomize=True)
@given(st.lists(daily_windows(), max_size=4), anywhere)
def test_a_list_holds_while_any_entry_holds_and_names_the_first(cases, now):
    cases = [case for case in cases if case[2] != case[3]]  # from == to is refused, as above
    terms = parse_terms([raw[0] for raw, *_ in cases])
    holding = [reference_daily(days, start, end, offset, now) for _, days, start, end, offset, _ in cases]
    expected = ALWAYS if not cases else next((index for index, holds in enumerate(holding) if holds), None)
    assert holding_term(terms, now) == expected
    assert parse_terms([term_json(term) for term in terms]) == terms
