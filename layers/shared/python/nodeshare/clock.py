"""The one source of "now" (epoch seconds, and milliseconds where a record needs them), so tests
can move time instead of sleeping.

`CLOCK_OFFSET_SECONDS` (local stack only) is added to the real clock, so a test or a developer can
stand at any time of any day (role terms, expiry). A deployed function never honours it: Lambda
sets `AWS_LAMBDA_FUNCTION_NAME`, and then the real clock is the only one (the stack also never
sets the variable, `tests/infra/test_functions.py`).
"""

import os
import time


def now() -> int:
    return int(time.time()) + _local_offset()


def now_ms() -> int:
    """Milliseconds: the params archive's times (`domain.archive`), on the same clock as `now`."""
    return time.time_ns() // 1_000_000 + _local_offset() * 1000


def _local_offset() -> int:
    if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
        return 0
    value = os.environ.get("CLOCK_OFFSET_SECONDS")
    return int(value) if value else 0
