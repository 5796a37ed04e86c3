"""The one source of "now" (epoch seconds), so tests can move time instead of sleeping.

`CLOCK_OFFSET_SECONDS` (local stack only) is added to the real clock, so a test or a developer can
stand at any time of any day (role terms, expiry). A deployed function never honours it: Lambda
sets `AWS_LAMBDA_FUNCTION_NAME`, and then the real clock is the only one (the stack also never
sets the variable, `tests/infra/test_functions.py`).
"""

import os
import time


def now() -> int:
    return int(time.time()) + _local_offset()


def _local_offset() -> int:
    if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
        return 0
    value = os.environ.get("CLOCK_OFFSET_SECONDS")
    return int(value) if value else 0
