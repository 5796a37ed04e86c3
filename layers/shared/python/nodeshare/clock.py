"""The one source of "now" (epoch seconds, and milliseconds where a record needs them), so tests
can move time instead of sleeping."""

import time


def now() -> int:
    return int(time.time())


def now_ms() -> int:
    """Milliseconds: the params archive's times (`domain.archive`)."""
    return time.time_ns() // 1_000_000
