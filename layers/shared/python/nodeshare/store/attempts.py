"""Failed attempts (wrong thing passwords), counted per fixed window in the `requests` table: one
item per (what is counted, window) — `request_id` "attempts:<what>", `sk` the window's number,
`kind`="attempts" — expiring with its window (TTL `expires_at`, and filtered at read time, SPEC
§2.2). Counting is one UpdateItem ADD per counter, so racing failures all count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class GuessLimit:
    """Wrong guesses of a node's secret by one caller (a user, or an address on a public route),
    counted per window: the caller may fail `per_caller` times over all nodes; once the node has
    had `per_node` failures from anyone, only callers who have not failed on it may still try.
    A stranger guessing thereby locks out only itself: the rightful holder has not failed."""

    caller: str  # counter of the caller's failures ("caller:<user id>", "address:<ip>", ...)
    node: str  # counter of the node's failures
    per_caller: int
    per_node: int

    @property
    def _counters(self) -> list[str]:
        return [self.caller, self.node, f"{self.node}:{self.caller}"]

    def exceeded(self, now: int) -> bool:
        """One BatchGetItem: whether this caller must be held off now."""
        seen = failures(self._counters, now)
        by_caller, on_node, by_caller_on_node = (seen[name] for name in self._counters)
        return by_caller >= self.per_caller or (on_node >= self.per_node and by_caller_on_node > 0)

    def record_failure(self, now: int) -> None:
        record_failure(self._counters, now)
