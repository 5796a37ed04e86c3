"""What an operator reads (issue 12), from the real handlers against moto: every log line of a
request names its correlation id (API Gateway's request id) and its caller; claims, share requests,
accepts, cascade deletions and expiries are counted as CloudWatch metrics (EMF on stdout)."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from nodeshare.local.gateway import LambdaContext, build_event
from nodeshare.local.permissions import acting_as
from nodeshare.observability import logger
from nodeshare.routes import ROUTES_BY_OPERATION
from nodeshare.settings import settings

from tests.api.conftest import OPERATOR, call, record_caller

ALICE = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}
BOB = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}
SECRET = "12345678"
CONFIG = {
    "info": {},
    "devices": [
        {"name": "Light", "params": [{"name": "Power", "data_type": "bool", "properties": ["read", "write"]}]}
    ],
}
REQUESTS_ARN = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-requests/stream/2026-01-01T00:00:00.000"
)
NODES_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-nodes/stream/2026-01-01T00:00:00.000"


@pytest.fixture
def counted(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Publishing on (a local stack started earlier in this process may have turned it off), in the
    deployment's namespace."""
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "nodeshare-test")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the Powertools logger writes, while the test runs."""
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(previous)  # type: ignore[attr-defined]


def counts_in(text: str) -> dict[str, float]:
    """Each business count of the EMF documents in `text` (stdout), summed over them."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "nodeshare-test"
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    values if isinstance(values, list) else [values]
                )
    return totals


def ok(response: dict[str, Any], status: int = 200) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    return json.loads(response["body"]) if response["body"] else {}


def test_every_log_line_of_a_request_names_its_correlation_id_and_caller(aws, log_lines: io.StringIO) -> None:
    # Given a request API Gateway numbered "gw-req-1", from alice, for a node that does not exist
    route = ROUTES_BY_OPERATION["get_node_params"]
    record_caller(ALICE)
    event = build_event(route, "GET", route.path, "nodeid=nope", {}, b"", {}, ALICE)
    event["requestContext"]["requestId"] = "gw-req-1"
    module = importlib.import_module(f"functions.{route.handler}")

    # When the function handles it (and logs the refusal)
    with acting_as(route):
        response = module.handler(event, LambdaContext(function_name="get_node_params"))

    # Then every line it logged joins the access log's requestId and names alice
    assert response["statusCode"] == 404
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    assert lines, "the refusal is logged"
    for line in lines:
        assert line["correlation_id"] == "gw-req-1"
        assert line["user_id"] == "u-1"
        assert line["operation"] == "get_node_params"
        assert "function_request_id" in line  # the access log's functionRequestId


def test_the_next_request_does_not_inherit_the_last_ones_caller(aws, log_lines: io.StringIO) -> None:
    """A warm function serves anyone next: a public request after alice's names nobody."""
    ok(call("get_node_params", claims=ALICE, query="nodeid=nope"), 404)
    log_lines.truncate(0)
    log_lines.seek(0)

    ok(call("login", body=json.dumps({"user_name": "nobody@x.test", "password": "Wrong-pass1"})), 401)

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    assert lines and all("user_id" not in line for line in lines), lines


def test_a_claim_a_share_request_and_its_accept_are_counted(
    counted: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (ALICE, BOB):
        user_store.put(User(user["sub"], user["email"], 0))
    body = {"node_id": "n1", "name": "Light", "type": "t", "secret": SECRET, "config": CONFIG}
    ok(call("register_node", claims=OPERATOR, body=json.dumps(body)), 201)
    capsys.readouterr()

    ok(call("claim_node", claims=ALICE, body=json.dumps({"userID": "u-1", "thingPassword": SECRET}),
            path_params={"node_id": "n1"}), 204)  # fmt: skip
    assert counts_in(capsys.readouterr().out) == {"NodesClaimed": 1}

    share = {"nodes": ["n1"], "user_name": BOB["email"]}
    request_id = ok(call("share_nodes", claims=ALICE, body=json.dumps(share)))["request_id"]
    assert counts_in(capsys.readouterr().out) == {"ShareRequestsCreated": 1}

    accept = {"accept": True, "request_id": request_id}
    ok(call("update_share_request", claims=BOB, body=json.dumps(accept)))
    assert counts_in(capsys.readouterr().out) == {"ShareRequestsAccepted": 1}

    # A refused claim (a wrong password) counts nothing
    wrong = json.dumps({"userID": "u-2", "thingPassword": "00000000"})
    ok(call("claim_node", claims=BOB, body=wrong, path_params={"node_id": "n1"}), 404)
    assert counts_in(capsys.readouterr().out) == {}


def _record(sequence: str, arn: str, name: str, keys: dict[str, Any], **images: Any) -> dict[str, Any]:
    return {
        "eventID": sequence, "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "eventSourceARN": arn,
        "dynamodb": {"Keys": keys, "SequenceNumber": sequence, "SizeBytes": 10,
                     "StreamViewType": "NEW_AND_OLD_IMAGES", **images},
    }  # fmt: skip


def test_the_cascade_counts_what_it_deleted_and_what_expired(
    counted: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from nodeshare.store.models import AssociationModel

    from functions.streams.process_table_stream import handler

    # Given two rows of epoch 1, a node moving to epoch 2, and a pending request the TTL swept
    for user_id in ("old-1", "old-2"):
        AssociationModel("n1", user_id, user_name=f"{user_id}@x", role="secondary", level="rw",
                         epoch=1, created_at=0).save()  # fmt: skip
    epoch_change = _record(
        "1", NODES_ARN, "MODIFY", {"node_id": {"S": "n1"}},
        OldImage={"node_id": {"S": "n1"}, "epoch": {"N": "1"}},
        NewImage={"node_id": {"S": "n1"}, "epoch": {"N": "2"}},
    )  # fmt: skip
    expiry = _record(
        "2", REQUESTS_ARN, "REMOVE", {"request_id": {"S": "r1"}, "sk": {"S": "request"}},
        OldImage={"request_id": {"S": "r1"}, "sk": {"S": "request"}, "status": {"S": "pending"},
                  "expires_at": {"N": "1"}},
    )  # fmt: skip
    expiry["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

    # When the processor handles the batch
    answer = handler({"Records": [epoch_change, expiry]}, LambdaContext("process_table_stream"))

    # Then one EMF line counts the two deletions and the expiry
    assert answer == {"batchItemFailures": []}
    assert counts_in(capsys.readouterr().out) == {"CascadeDeletions": 2, "RequestsExpired": 1}
