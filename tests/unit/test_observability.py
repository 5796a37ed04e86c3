"""Business counts (`nodeshare.observability`): one EMF line per invocation in the deployment's
namespace, nothing when nothing was counted or publishing is off (the local stack), never an
exception; what the cascade counts as an expiry; who the logs name as the caller."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from nodeshare import observability
from nodeshare.domain.cascade import Change, expired_unanswered
from nodeshare.http.endpoint import caller_keys
from nodeshare.observability import Count, count, publish_counts
from nodeshare.settings import settings


@pytest.fixture(autouse=True)
def counts_enabled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "acme/nodeshare")
    settings.cache_clear()
    yield
    observability._counted.clear()
    observability.metrics.clear_metrics()
    settings.cache_clear()


def emf_lines(text: str) -> list[dict[str, Any]]:
    """The EMF documents among stdout's lines."""
    found = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


def test_counts_are_one_emf_line_in_the_settings_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a claim and two cascade deletions, then three more, in one invocation
    count(Count.NODES_CLAIMED)
    count(Count.CASCADE_DELETIONS, 2)
    count(Count.CASCADE_DELETIONS, 3)

    # When the invocation ends
    publish_counts()

    # Then one EMF document holds both, summed, in the configured namespace, with the service
    [document] = emf_lines(capsys.readouterr().out)
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "acme/nodeshare"
    assert {metric["Name"] for metric in directive["Metrics"]} == {"NodesClaimed", "CascadeDeletions"}
    assert (document["NodesClaimed"], document["CascadeDeletions"]) == ([1.0], [5.0])  # one value each
    assert document["service"] == "nodeshare"


def test_counts_are_forgotten_once_published(capsys: pytest.CaptureFixture[str]) -> None:
    count(Count.SHARE_REQUESTS_CREATED)
    publish_counts()
    capsys.readouterr()

    publish_counts()  # the next invocation counted nothing

    assert emf_lines(capsys.readouterr().out) == []


def test_nothing_counted_writes_nothing_and_warns_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    count(Count.CASCADE_DELETIONS, 0)  # a cascade that deleted nothing

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools warns "No application metrics to publish"
        publish_counts()

    assert capsys.readouterr().out == ""


def test_with_publishing_off_nothing_is_written_and_counts_do_not_pile_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The local stack turns publishing off: each request's counts are still dropped, so 150
    requests later nothing has accumulated (Powertools would print at 100 values, off or not)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(150):
        count(Count.SHARE_REQUESTS_ACCEPTED)
        publish_counts()

    assert capsys.readouterr().out == ""
    assert observability._counted == {} and observability.metrics.metric_set == {}


def test_a_failure_to_publish_is_logged_never_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("serializer broke")

    monkeypatch.setattr(observability.metrics, "flush_metrics", broken)
    count(Count.NODES_CLAIMED)

    publish_counts()  # no exception: a count is not worth a failed request

    assert observability._counted == {}


def request_header(status: str = "pending", kind: str | None = None, sk: str = "request") -> dict[str, Any]:
    item: dict[str, Any] = {"request_id": "r1", "sk": sk, "status": status, "expires_at": 1}
    if kind is not None:
        item["kind"] = kind
    return item


@pytest.mark.parametrize(
    ("old", "by_ttl", "table", "counted"),
    [
        (request_header(), True, "requests", True),  # a share request nobody answered
        (request_header(kind="permission"), True, "requests", True),
        (request_header(kind="group_share"), True, "requests", True),
        (request_header(status="accepted"), True, "requests", False),  # answered, then swept
        (request_header(sk="node#n1"), True, "requests", False),  # a request's node line
        (request_header(kind="pin"), True, "requests", False),  # a step of a claim
        (request_header(kind="mapping"), True, "requests", False),
        (request_header(kind="attempts", sk="123"), True, "requests", False),
        (request_header(), False, "requests", False),  # deleted by someone, not by the TTL
    ],
    ids=["share", "permission", "group-share", "answered", "line", "pin", "mapping", "attempts", "by-a-user"],
)
def test_an_expiry_counts_only_for_a_pending_request_between_users(
    old: dict[str, Any], by_ttl: bool, table: str, counted: bool
) -> None:
    assert expired_unanswered(Change(table, "REMOVE", old, None, by_ttl=by_ttl)) is counted


def event_with(authorizer: dict[str, Any] | None) -> dict[str, Any]:
    return {"requestContext": {"requestId": "req-1", **({"authorizer": authorizer} if authorizer else {})}}


def test_the_logs_name_a_user_a_thing_or_nobody() -> None:
    user = {"jwt": {"claims": {"sub": "s-1", "custom:user_id": "u-1"}}}
    access_token = {"jwt": {"claims": {"sub": "u-2", "username": "u-2"}}}
    thing = {"jwt": {"claims": {"sub": "n1", "token_use": "thing"}}}
    either = {"lambda": {"sub": "u-3", "token_use": "access"}}  # the Lambda authorizer's context

    assert caller_keys(event_with(user)) == {"user_id": "u-1"}
    assert caller_keys(event_with(access_token)) == {"user_id": "u-2"}
    assert caller_keys(event_with(thing)) == {"thing_id": "n1"}
    assert caller_keys(event_with(either)) == {"user_id": "u-3"}
    assert caller_keys(event_with(None)) == {}  # a public route
    assert caller_keys({}) == {}
