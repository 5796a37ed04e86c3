"""The real handlers, called in process with real events, against moto's in-process mock."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from functools import cache
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.session
import moto.cognitoidp.models
import moto.kms.models
import pytest
from joserfc import jwk
from moto import mock_aws
from nodeshare.local.gateway import LambdaContext, build_event
from nodeshare.local.permissions import acting_as
from nodeshare.routes import ROUTES_BY_OPERATION

THING_ISSUER = "https://api.nodeshare.test/v1/thing-issuer"
# The operator the api tests call as (claims of an access token of the `admin` group).
OPERATOR = {"sub": "op-1", "custom:user_id": "op-1", "email": "op@x.test", "cognito:groups": "[admin]"}

# What every test's fresh moto cost that is the same each time, made once per process instead;
# together a third of the api suite's time (each `aws` setup was 0.3-0.6 s, most of a test):
#
# - botocore's service models. `mock_aws` gives boto3 a new default session each test, and a new
#   session a new loader that parsed every model its clients need from JSON again (~150 ms for
#   the three below). One loader for the process parses each file once; the files are the same.
botocore.session.create_loader = cache(botocore.session.create_loader)  # type: ignore[assignment]


# - moto's published pool signing key. Every user pool imports it from the same JWK file, which
#   recovers the RSA primes (~130 ms a pool). The key is the same; it is imported once (moto's
#   Cognito models use `jwk` for nothing else).
_pool_keys: dict[str, Any] = {}


def _import_pool_key(data: Any) -> Any:
    text = json.dumps(data, sort_keys=True)
    if text not in _pool_keys:
        _pool_keys[text] = jwk.RSAKey.import_key(data)
    return _pool_keys[text]


moto.cognitoidp.models.jwk = SimpleNamespace(RSAKey=SimpleNamespace(import_key=_import_pool_key))  # type: ignore[assignment]

# - the thing key's RSA key pair (~50 ms to generate). Each test's thing key gets the same key
#   material, drawn once; keys a test makes itself still get their own.
_thing_key_material = cache(moto.kms.models.generate_private_key)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for key in [key for key in os.environ if key.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    with mock_aws():
        from nodeshare.local import moto_speedup
        from nodeshare.local.emulator import create_tables, create_thing_key, create_user_pool

        moto_speedup.one_backup_per_table()  # tests run one at a time: one transaction at a time
        from nodeshare.settings import settings

        create_tables(boto3.client("dynamodb", region_name="us-east-1"))
        pool_id, client_id = create_user_pool(boto3.client("cognito-idp", region_name="us-east-1"))
        monkeypatch.setenv("USER_POOL_ID", pool_id)
        monkeypatch.setenv("USER_POOL_CLIENT_ID", client_id)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(moto.kms.models, "generate_private_key", _thing_key_material)
            thing_key_id = create_thing_key(boto3.client("kms", region_name="us-east-1"))
        monkeypatch.setenv("THING_KEY_ID", thing_key_id)
        monkeypatch.setenv("THING_TOKEN_ISSUER", THING_ISSUER)
        settings.cache_clear()
        RECORDED.clear()
        yield {"user_pool_id": pool_id, "client_id": client_id}
        settings.cache_clear()


def call(operation: str, *, claims: dict[str, str] | None = None, query: str = "", body: str = "",
         path_params: dict[str, str] | None = None, source_ip: str = "127.0.0.1",
         recorded: bool = True) -> dict[str, Any]:  # fmt: skip
    """Invoke the route's handler with an API Gateway v2 event, as Lambda would.

    The calling user is recorded first (a users row, unless it has one), as the pool's trigger
    records every account before it has a token; `recorded=False` calls as an account whose row
    is gone (a deleted one)."""
    route = ROUTES_BY_OPERATION[operation]
    if recorded and claims and claims.get("token_use") != "thing":
        record_caller(claims)
    path = route.path.format(**(path_params or {}))
    event = build_event(route, route.method, path, query, {"content-type": "application/json"},
                        body.encode(), path_params or {}, claims, source_ip)  # fmt: skip
    module = importlib.import_module(f"functions.{route.handler}")
    with acting_as(route):  # the route's IAM, as deployed
        return module.handler(event, LambdaContext(function_name=operation))


RECORDED: set[str] = set()  # the callers recorded in this test's tables (emptied by `aws`)


def record_caller(claims: dict[str, str]) -> None:
    """The caller's users row, written once per test (not a write of every call: tests count them)."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    user_id = claims.get("custom:user_id") or claims.get("sub")
    if user_id and user_id not in RECORDED:
        RECORDED.add(user_id)
        user_store.put_if_absent(User(user_id, claims.get("email") or f"{user_id}@recorded.test", 0))
