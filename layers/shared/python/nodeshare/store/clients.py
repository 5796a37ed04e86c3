"""How every AWS client of the store is configured, in one place: timeouts well below the
function's own (10 s), botocore's standard retry mode, and a bounded backoff for what DynamoDB's
batch calls leave unprocessed.

Budget of one call: at most `MAX_ATTEMPTS` (2) attempts of at most `CONNECT_TIMEOUT_SECONDS` +
`READ_TIMEOUT_SECONDS` (1 + 3 s) each, with standard mode's jittered backoff (under 1 s) between:
under 9 s, so a stuck connection fails the request as an error the function reports, instead of
the function being killed at its timeout with nothing logged. pynamodb's models take the same
through their Meta (`ClientTimeouts`), boto3 clients through `client_config()`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from nodeshare.model.errors import Busy

CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
MAX_ATTEMPTS = 2  # the first and one retry, botocore's standard mode (throttling, 5xx, timeouts)

# What BatchGetItem / BatchWriteItem leave unprocessed (throttled partitions) is sent again after
# a full-jitter exponential backoff: a random delay up to min(cap, base * 2^n), at most
# BATCH_ATTEMPTS calls in all (delays sum to at most 0.05 + 0.1 + 0.2 + 0.4 = 0.75 s), then Busy.
BATCH_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0


class ClientTimeouts:
    """The base of every pynamodb model's Meta: the timeouts and retries above."""

    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    max_retry_attempts = MAX_ATTEMPTS - 1  # pynamodb counts the retries


@cache
def client_config() -> Any:
    """botocore's Config for boto3 clients (Cognito, KMS)."""
    from botocore.config import Config

    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )


# Jitter from the operating system, not the `random` module's generator: with SnapStart (README,
# "Cold start") every environment restored from one snapshot would share that generator's state,
# and draw the same "random" delays at once.
_JITTER = random.SystemRandom()


def backoff_seconds(retry: int, rand: Callable[[], float] = _JITTER.random) -> float:
    """The delay before retry number `retry` (0, 1, ...): full jitter, bounded."""
    return rand() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**retry)


sleep = time.sleep  # tests replace it to record the delays instead of waiting


def until_processed(call: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any]) -> None:
    """Call `call` with `request`, then with what each answer left unprocessed (`call` returns
    it, empty when all is done), backing off between calls; Busy after `BATCH_ATTEMPTS` calls."""
    for attempt in range(BATCH_ATTEMPTS):
        if attempt:
            sleep(backoff_seconds(attempt - 1))
        request = call(request)
        if not request:
            return
    raise Busy("DynamoDB is busy; retry")
