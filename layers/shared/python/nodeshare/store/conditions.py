"""Translating DynamoDB's refusals into domain errors, by error code, never by message text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from nodeshare.model.errors import DomainError

CONDITION_FAILED = "ConditionalCheckFailed"
# Another transaction was touching the same item at that moment (DynamoDB, not moto, does this):
# as for a failed condition, the state moved under us and the caller may retry.
TRANSACTION_CONFLICT = "TransactionConflict"
REFUSAL_REASONS = {CONDITION_FAILED, TRANSACTION_CONFLICT}
CONDITION_FAILED_EXCEPTION = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"


def is_refused(error: Exception) -> bool:
    """True when a write (or a transaction) failed because a condition did not hold."""
    if isinstance(error, TransactWriteError):
        return error.cause_response_code == TRANSACTION_CANCELED and any(
            reason is not None and reason.code in REFUSAL_REASONS for reason in error.cancellation_reasons
        )
    if isinstance(error, PutError | UpdateError | DeleteError):
        return error.cause_response_code == CONDITION_FAILED_EXCEPTION
    return False


@contextmanager
def refused_as(domain_error: DomainError) -> Iterator[None]:
    """Raise `domain_error` when the write inside was refused by its condition."""
    try:
        yield
    except (PutError, UpdateError, DeleteError, TransactWriteError) as exc:
        if is_refused(exc):
            raise domain_error from exc
        raise


def applied(write: Callable[..., Any], **arguments: Any) -> bool:
    """`write(**arguments)`, a conditional write; False when its condition did not hold (for
    idempotent tidying, where a refusal means there was nothing to do)."""
    try:
        write(**arguments)
    except (PutError, UpdateError, DeleteError, TransactWriteError) as exc:
        if not is_refused(exc):
            raise
        return False
    return True
