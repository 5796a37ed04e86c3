"""Failed attempts (wrong thing passwords), counted per fixed window in the `requests` table: one
item per (what is counted, window) — `request_id` "attempts:<what>", `sk` the window's number,
`kind`="attempts" — expiring with its window (TTL `expires_at`, and filtered at read time, SPEC
§2.2). Counting is one UpdateItem ADD per counter, so racing failures all count.
"""

from __future__ import annotations

from collections.abc import Sequence

from nodeshare.store.access import batch_get_keys
from nodeshare.store.models import RequestModel

WINDOW_SECONDS = 15 * 60
PREFIX = "attempts:"
KIND = "attempts"


def _window(now: int) -> int:
    return now // WINDOW_SECONDS


def failures(counted: Sequence[str], now: int) -> dict[str, int]:
    """Failures in the current window of each counter (0 for none): one BatchGetItem."""
    window = str(_window(now))
    table = RequestModel.Meta.table_name
    keys = [
        (table, {"request_id": {"S": PREFIX + name}, "sk": {"S": window}}) for name in dict.fromkeys(counted)
    ]
    found = {name: 0 for name in counted}
    for _, raw in batch_get_keys(keys):
        item = RequestModel.from_raw_data(raw)
        if item.expires_at > now:
            found[item.request_id.removeprefix(PREFIX)] = int(item.failures or 0)
    return found


def record_failure(counted: Sequence[str], now: int) -> None:
    """One more failure on each counter, in the current window."""
    window = _window(now)
    for name in dict.fromkeys(counted):
        RequestModel(PREFIX + name, str(window)).update(
            actions=[
                RequestModel.failures.add(1),
                RequestModel.kind.set(KIND),
                RequestModel.expires_at.set((window + 1) * WINDOW_SECONDS),
            ]
        )
