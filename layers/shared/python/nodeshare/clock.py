"""The one source of "now" (epoch seconds), so tests can move time instead of sleeping."""

import time


def now() -> int:
    return int(time.time())
