"""What a JSON value must be for DynamoDB to store it and for every reader to get it back
(SPEC §2 rule 9): the one check, for every client-supplied document nodeshare keeps: a node's
config and params (registration and params writes, `domain.params`), node metadata and tags,
node groups' custom data, and share requests' metadata (node and node group sharing).

`check_storable(value, where)` raises `BadRequest` naming the first offending place
(`metadata.room.temp: ...`), so a value that could not be written, or could not be read back as
it was sent, is refused with a 400 before anything is written:

- only JSON types (objects, arrays, strings, numbers, booleans, null);
- object keys are non-empty strings of at most `max_key_length` characters (DynamoDB refuses
  empty map keys, and moto fails on them);
- strings, keys included, encode as UTF-8 (`json.loads` lets a lone surrogate such as `"\\ud800"`
  through; boto3 cannot send it);
- numbers are finite (`json.loads` reads `NaN` and `Infinity`, which DynamoDB cannot hold and
  strict JSON cannot print), 0 or of magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125,
  with at most 38 significant digits (leading and trailing zeros do not count, as in DynamoDB);
- at most `max_depth` levels of objects and arrays (the value itself is level 1);
- at most `max_bytes` bytes as compact UTF-8 JSON.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from nodeshare.model.errors import BadRequest

MAX_BYTES = 8 * 1024
MAX_DEPTH = 8
MAX_KEY_LENGTH = 64
MAX_SIGNIFICANT_DIGITS = 38
SMALLEST_MAGNITUDE = Decimal("1E-130")
LARGEST_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")


def serialized_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON (what the size limit counts)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def check_storable(
    value: Any,
    where: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_key_length: int = MAX_KEY_LENGTH,
) -> None:
    """Raise `BadRequest` unless `value` can be stored in DynamoDB and read back unchanged."""
    _check(value, where, 1, max_depth, max_key_length)
    size = serialized_size(value)
    if size > max_bytes:
        raise BadRequest(f"{where}: {size} bytes as JSON, more than the {max_bytes} allowed")


def _check(value: Any, where: str, depth: int, max_depth: int, max_key_length: int) -> None:
    if isinstance(value, dict | list) and depth > max_depth:
        raise BadRequest(f"{where}: nested deeper than {max_depth} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise BadRequest(f"{where}: object keys must be non-empty strings")
            _check_text(key, f"{where}: key {key[:20]!r}")
            if len(key) > max_key_length:
                raise BadRequest(f"{where}: key {key[:20]!r}… is longer than {max_key_length} characters")
            _check(item, f"{where}.{key}", depth + 1, max_depth, max_key_length)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]", depth + 1, max_depth, max_key_length)
    elif isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int | float):
        _check_number(value, where)
    else:
        raise BadRequest(f"{where}: not a JSON value")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"{where}: not valid Unicode (a lone surrogate)") from exc


def _check_number(number: int | float, where: str) -> None:
    if isinstance(number, float) and not math.isfinite(number):
        raise BadRequest(f"{where}: NaN and Infinity cannot be stored")
    exact = Decimal(number) if isinstance(number, int) else Decimal(repr(number))
    if exact == 0:
        return
    if not SMALLEST_MAGNITUDE <= abs(exact) <= LARGEST_MAGNITUDE:
        raise BadRequest(f"{where}: numbers must be 0 or of magnitude 1E-130 to 9.99E+125")
    digits = "".join(map(str, exact.as_tuple().digits)).strip("0")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise BadRequest(f"{where}: more than {MAX_SIGNIFICANT_DIGITS} significant digits")
