"""Powertools objects, made once and imported everywhere; the only module that names Powertools'
logging and metrics.

**Business counts** (`count`): what the use cases did, as CloudWatch metrics through the embedded
metric format (EMF: one JSON line on stdout per invocation, which CloudWatch Logs turns into
metrics; no API call, no extra IAM). Domain code counts an outcome with `count(Count.X)` once it
has happened (after the write that makes it so), and never sees Powertools. The handler wrappers
(`http.endpoint`, the stream processor) publish them at the end of every invocation with
`publish_counts`, which never fails the invocation and writes nothing when nothing was counted.
The namespace is the deployment's (`Settings.metrics_namespace`, cdk.json's `metrics_namespace`);
the local stack turns publishing off (`POWERTOOLS_METRICS_DISABLED`) and still forgets each
invocation's counts.
"""

from __future__ import annotations

from enum import StrEnum

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from nodeshare.settings import settings

SERVICE = "nodeshare"

logger = Logger(service=SERVICE)
# Its namespace is set when publishing (`publish_counts`): settings are read then, not at import.
metrics = Metrics(service=SERVICE, namespace=SERVICE)


class Count(StrEnum):
    """The business counts, by metric name (README, "What an operator sees")."""

    NODES_CLAIMED = "NodesClaimed"  # a node taken over: thing password, PIN, user-node mapping
    SHARE_REQUESTS_CREATED = "ShareRequestsCreated"  # node and node-group share requests
    SHARE_REQUESTS_ACCEPTED = "ShareRequestsAccepted"
    CASCADE_DELETIONS = "CascadeDeletions"  # rows the stream processor deleted after an epoch change
    REQUESTS_EXPIRED = "RequestsExpired"  # requests DynamoDB's TTL deleted


# This invocation's counts, summed per name: one value per metric when published, so Powertools
# never publishes early (it does at 100 values of a metric, even with publishing off).
_counted: dict[Count, int] = {}


def count(what: Count, value: int = 1) -> None:
    """Count `value` of `what` in this invocation (published by `publish_counts`)."""
    if value > 0:
        _counted[what] = _counted.get(what, 0) + value


def publish_counts() -> None:
    """Write this invocation's counts as one EMF line on stdout, then forget them. Nothing is
    written when nothing was counted (Powertools would warn) or publishing is off (the local stack);
    a failure to serialize is logged, never raised: a count is not worth a failed request."""
    try:
        if _counted and not is_metrics_disabled():
            metrics.provider.namespace = settings().metrics_namespace
            for what, value in _counted.items():
                metrics.add_metric(name=what.value, unit=MetricUnit.Count, value=value)
            metrics.flush_metrics()
    except Exception:
        logger.exception("could not publish the business counts")
    finally:
        _counted.clear()
        metrics.clear_metrics()
