"""Symphony's time conditions (`additional.term` of a role permission, SPEC §1 "Role"): parsing,
and whether an entry holds at a given instant.

A permission holds while *any* of its entries holds. **An empty `term` list means "always"**:
`holding_term([], now)` returns `ALWAYS` (-1), never `None`. At most `MAX_TERMS` (10) entries.

Every window is **from inclusive, to exclusive**: it holds at `from` and stops holding at `to`.
`now` is whole epoch seconds and the evaluation is integer arithmetic throughout (no floats, no
time zone database): the time zone is the offset written in the entry, nothing else.

Each entry is an object with exactly one of `once`, `weekly`, `everyday` non-null; the other two
may be absent or null, and no other key is allowed. Its value is an object with exactly these keys:

- `once {from, to}`: ISO-8601 date-times with an offset, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` then
  the offset (`2018-03-01T00:00:00+09:00`). `from` must be strictly before `to`, compared as
  instants (so `...T10:00+09:00` to `...T02:00Z` is a valid hour). Holds when from <= now < to.
  A fraction of a second (up to 9 digits, e.g. JavaScript's `.000Z`) is kept exactly: for whole
  seconds `now`, `from <= now` is `ceil(from) <= now` and `now < to` is `now < ceil(to)`, which is
  what `Once.start` / `Once.end` hold.
- `weekly {days, from, to}`: `days` a non-empty list of distinct `mon tue wed thu fri sat sun`;
  `from` / `to` times of day `HH:MM` or `HH:MM:SS` followed by an offset (`16:00+09:00`,
  `07:30:00-05:00`, `22:00Z`). Both must carry the same offset (compared by value: `Z`, `+00:00`
  and `-00:00` are the same), because the days are counted in that offset's local time.
  `from == to` is refused (an empty window, or an ambiguous "all day": a whole Monday is two
  entries, `mon 00:00-12:00` and `mon 12:00-00:00`, the second ending at Tuesday 00:00).
  If `from < to` the window is [from, to) on each listed day; if `to < from` it **wraps past
  midnight**: it starts at `from` on a listed day and ends at `to` the next day, whether or not
  that next day is listed (a Friday 22:00-02:00 window holds on Saturday 01:00, not on Friday
  01:00 unless Thursday is listed).
- `everyday {from, to}`: as `weekly` with every day listed.

Decisions the issue left open:

- Day names are lowercase only (`"Mon"` is refused with a 400, as Symphony spells them lowercase).
- Offsets are `Z` or `+HH:MM` / `-HH:MM`, at most 14:00 either way, minutes 00-59. The ISO basic
  forms `+0900` and `+09` are refused ("offset must be Z or ±HH:MM"): the extended date-time forms
  above do not mix with basic offsets in ISO-8601. Lowercase `t` / `z` and a space for `T` are
  refused too.
- Hours are 00-23 (`24:00` is refused), minutes and seconds 00-59 (no leap second `:60`). Times of
  day take no fraction of a second. Digits are ASCII digits only.
- `term_json` gives back the strings exactly as the client sent them (nothing is normalised), and
  `days` in the order sent, so a PermissionInfo echoes the request.
- The callers check `location` / `number`; this module only reads the `term` list, and
  `parse_terms` wants a list (an absent `term` is the caller's to turn into `[]` or a 400).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from nodeshare.model.errors import BadRequest

MAX_TERMS = 10
ALWAYS = -1
"""What `holding_term` returns for an empty list: no entry is needed, the permission always holds."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
KINDS = ("once", "weekly", "everyday")

SECONDS_PER_DAY = 86_400
NANOS_PER_SECOND = 1_000_000_000
MAX_OFFSET_SECONDS = 14 * 3600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_WEEKDAY = date(1970, 1, 1).weekday()  # a Thursday: 3

_OFFSET = r"(?P<offset>Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
_BASIC_OFFSET = r"[+-][0-9]{2}(?:[0-9]{2})?"
_CLOCK = r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
_DATE_TIME = (
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?)?"
)
_DATE_TIME_WITH_OFFSET = re.compile(_DATE_TIME + _OFFSET, re.ASCII)
_DATE_TIME_BASIC_OFFSET = re.compile(_DATE_TIME + _BASIC_OFFSET, re.ASCII)
_DATE_TIME_NO_OFFSET = re.compile(_DATE_TIME, re.ASCII)
_TIME_WITH_OFFSET = re.compile(_CLOCK + _OFFSET, re.ASCII)
_TIME_BASIC_OFFSET = re.compile(_CLOCK + _BASIC_OFFSET, re.ASCII)
_TIME_NO_OFFSET = re.compile(_CLOCK, re.ASCII)


@dataclass(frozen=True)
class Once:
    """`once {from, to}`: holds when `start <= now < end` (epoch seconds)."""

    from_text: str
    to_text: str
    start: int  # the first whole second at or after `from`
    end: int  # the first whole second at or after `to`: now < to exactly when now < end


@dataclass(frozen=True)
class Weekly:
    """`weekly {days, from, to}`: [start, end) seconds after local midnight on each listed day, local
    meaning `offset` seconds east of UTC; `end < start` wraps into the next day."""

    days: tuple[str, ...]  # as sent: distinct names from DAY_NAMES
    from_text: str
    to_text: str
    offset: int
    start: int
    end: int


@dataclass(frozen=True)
class Everyday:
    """`everyday {from, to}`: a `Weekly` window on every day."""

    from_text: str
    to_text: str
    offset: int
    start: int
    end: int


Term: TypeAlias = Once | Weekly | Everyday

_EVERY_WEEKDAY = frozenset(range(7))


def parse_terms(raw: object) -> tuple[Term, ...]:
    """The `additional.term` list of a request body -> parsed entries, or BadRequest with a clear
    message naming the entry (e.g. "term[1].weekly.from: offset missing")."""
    if not isinstance(raw, list):
        raise BadRequest(f"term: must be a list of at most {MAX_TERMS} entries, not {_json_type(raw)}")
    if len(raw) > MAX_TERMS:
        raise BadRequest(f"term: at most {MAX_TERMS} entries, not {len(raw)}")
    return tuple(_parse_entry(entry, f"term[{index}]") for index, entry in enumerate(raw))


def term_holds(term: Term, now: int) -> bool:
    """Whether the entry holds at `now` (epoch seconds): from inclusive, to exclusive."""
    if isinstance(term, Once):
        return term.start <= now < term.end
    weekdays = _EVERY_WEEKDAY if isinstance(term, Everyday) else _weekdays(term.days)
    local_day, local_second = divmod(now + term.offset, SECONDS_PER_DAY)  # floor: right before 1970
    today = (local_day + _EPOCH_WEEKDAY) % 7
    if term.start < term.end:
        return today in weekdays and term.start <= local_second < term.end
    yesterday = (today - 1) % 7
    return (today in weekdays and local_second >= term.start) or (
        yesterday in weekdays and local_second < term.end
    )


def holding_term(terms: Sequence[Term], now: int) -> int | None:
    """Index of the first entry that holds at `now`, `None` if none does, and `ALWAYS` (-1) for an
    empty list: no entry means the permission holds always."""
    if not terms:
        return ALWAYS
    return next((index for index, term in enumerate(terms) if term_holds(term, now)), None)


def term_json(term: Term) -> dict[str, Any]:
    """The entry as Symphony's PermissionInfo shows it: all three keys present, the unused ones
    None, the strings exactly as the client sent them."""
    shown: dict[str, Any] = dict.fromkeys(KINDS)
    if isinstance(term, Once):
        shown["once"] = {"from": term.from_text, "to": term.to_text}
    elif isinstance(term, Weekly):
        shown["weekly"] = {"days": list(term.days), "from": term.from_text, "to": term.to_text}
    else:
        shown["everyday"] = {"from": term.from_text, "to": term.to_text}
    return shown


def describe(term: Term) -> str:
    """A short human text for explanations, e.g. "weekly mon,tue 16:00-20:00 +09:00"."""
    if isinstance(term, Once):
        return f"once {term.from_text} to {term.to_text}"
    start_clock, offset_text = _split_time_of_day(term.from_text)
    end_clock, _ = _split_time_of_day(term.to_text)
    window = f"{start_clock}-{end_clock} {offset_text}"
    if term.end < term.start:
        window += " (to the next day)"
    if isinstance(term, Weekly):
        return f"weekly {','.join(term.days)} {window}"
    return f"everyday {window}"


def _parse_entry(entry: object, where: str) -> Term:
    if not isinstance(entry, dict):
        raise BadRequest(
            f"{where}: must be an object with one of {', '.join(KINDS)}, not {_json_type(entry)}"
        )
    unknown = sorted(str(key) for key in entry if key not in KINDS)
    if unknown:
        raise BadRequest(f"{where}: unknown key {unknown[0]!r}; an entry holds one of {', '.join(KINDS)}")
    given = [kind for kind in KINDS if entry.get(kind) is not None]
    if len(given) != 1:
        found = f"found {' and '.join(given)}" if given else "found none"
        raise BadRequest(f"{where}: must hold exactly one of {', '.join(KINDS)} (non-null), {found}")
    kind = given[0]
    where = f"{where}.{kind}"
    if kind == "once":
        return _parse_once(entry[kind], where)
    if kind == "weekly":
        fields = _fields(entry[kind], where, ("days", "from", "to"))
        days = _parse_days(fields["days"], f"{where}.days")
        offset, start, end = _parse_daily_window(fields["from"], fields["to"], where)
        return Weekly(days, fields["from"], fields["to"], offset, start, end)
    fields = _fields(entry[kind], where, ("from", "to"))
    offset, start, end = _parse_daily_window(fields["from"], fields["to"], where)
    return Everyday(fields["from"], fields["to"], offset, start, end)


def _fields(value: object, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """`value` as an object with exactly `keys`, all present (`from` / `to` checked to be strings)."""
    if not isinstance(value, dict):
        raise BadRequest(f"{where}: must be an object with {', '.join(keys)}, not {_json_type(value)}")
    unknown = sorted(str(key) for key in value if key not in keys)
    if unknown:
        raise BadRequest(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(keys)}")
    for key in keys:
        if key not in value or value[key] is None:
            raise BadRequest(f"{where}.{key}: missing")
        if key in ("from", "to") and not isinstance(value[key], str):
            raise BadRequest(f"{where}.{key}: must be a string, not {_json_type(value[key])}")
    return value


def _parse_once(value: object, where: str) -> Once:
    fields = _fields(value, where, ("from", "to"))
    start = _parse_instant(fields["from"], f"{where}.from")
    end = _parse_instant(fields["to"], f"{where}.to")
    if start >= end:
        raise BadRequest(
            f"{where}: from ({fields['from']}) must be before to ({fields['to']}); the window is [from, to)"
        )
    return Once(fields["from"], fields["to"], _ceil_seconds(start), _ceil_seconds(end))


def _parse_instant(text: str, where: str) -> int:
    """An ISO-8601 date-time with offset -> epoch nanoseconds (exact)."""
    match = _DATE_TIME_WITH_OFFSET.fullmatch(text)
    if match is None:
        if _DATE_TIME_NO_OFFSET.fullmatch(text):
            raise BadRequest(f"{where}: offset missing in {text!r} (add Z or ±HH:MM, e.g. +09:00)")
        if _DATE_TIME_BASIC_OFFSET.fullmatch(text):
            raise BadRequest(f"{where}: offset must be Z or ±HH:MM (e.g. +09:00), in {text!r}")
        raise BadRequest(
            f"{where}: {text!r} is not an ISO-8601 date-time with offset, e.g. 2018-03-01T00:00:00+09:00"
        )
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as exc:
        raise BadRequest(f"{where}: {text!r} is not a calendar date ({exc})") from exc
    local_seconds = (day.toordinal() - _EPOCH_ORDINAL) * SECONDS_PER_DAY + _clock_seconds(match, where)
    fraction = match["fraction"] or ""
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return (local_seconds - _offset_seconds(match, where)) * NANOS_PER_SECOND + nanos


def _ceil_seconds(nanos: int) -> int:
    return -(-nanos // NANOS_PER_SECOND)


def _parse_days(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise BadRequest(f"{where}: must be a non-empty list of {', '.join(DAY_NAMES)}")
    for index, day in enumerate(value):
        if not isinstance(day, str) or day not in DAY_NAMES:
            shown = repr(day) if isinstance(day, str) else _json_type(day)
            raise BadRequest(f"{where}[{index}]: {shown} is not one of {', '.join(DAY_NAMES)} (lowercase)")
        if day in value[:index]:
            raise BadRequest(f"{where}[{index}]: {day!r} is listed twice")
    return tuple(value)


def _parse_daily_window(from_text: str, to_text: str, where: str) -> tuple[int, int, int]:
    """`from` / `to` times of day -> (offset, start, end), seconds; the same offset, from != to."""
    from_offset, start = _parse_time_of_day(from_text, f"{where}.from")
    to_offset, end = _parse_time_of_day(to_text, f"{where}.to")
    if from_offset != to_offset:
        raise BadRequest(
            f"{where}: from ({from_text}) and to ({to_text}) must carry the same offset, in whose local "
            "time the days are counted"
        )
    if start == end:
        raise BadRequest(f"{where}: from and to are the same time ({from_text}); the window would be empty")
    return from_offset, start, end


def _parse_time_of_day(text: str, where: str) -> tuple[int, int]:
    """`HH:MM[:SS]` and an offset -> (offset, seconds after local midnight)."""
    match = _TIME_WITH_OFFSET.fullmatch(text)
    if match is None:
        if _TIME_NO_OFFSET.fullmatch(text):
            raise BadRequest(f"{where}: offset missing in {text!r} (add Z or ±HH:MM, e.g. 16:00+09:00)")
        if _TIME_BASIC_OFFSET.fullmatch(text):
            raise BadRequest(f"{where}: offset must be Z or ±HH:MM (e.g. 16:00+09:00), in {text!r}")
        raise BadRequest(f"{where}: {text!r} is not a time of day HH:MM[:SS] with offset, e.g. 16:00+09:00")
    return _offset_seconds(match, where), _clock_seconds(match, where)


def _clock_seconds(match: re.Match[str], where: str) -> int:
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadRequest(f"{where}: {match.string!r} has no such time of day (00:00:00 to 23:59:59)")
    return hour * 3600 + minute * 60 + second


def _offset_seconds(match: re.Match[str], where: str) -> int:
    if match["offset"] == "Z":
        return 0
    hours, minutes = int(match["oh"]), int(match["om"])
    seconds = hours * 3600 + minutes * 60
    if minutes > 59 or seconds > MAX_OFFSET_SECONDS:
        raise BadRequest(f"{where}: offset {match['offset']} is not between -14:00 and +14:00")
    return -seconds if match["sign"] == "-" else seconds


def _split_time_of_day(text: str) -> tuple[str, str]:
    """A validated time of day -> (clock as sent, offset as sent)."""
    match = _TIME_WITH_OFFSET.fullmatch(text)
    assert match is not None, text  # only called with texts that parsed
    return text[: match.start("offset")], match["offset"]


def _weekdays(days: tuple[str, ...]) -> frozenset[int]:
    return frozenset(DAY_NAMES.index(day) for day in days)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
