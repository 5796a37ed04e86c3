"""Configuration is a model: every function reads its settings through `settings()`.

Lambda gets these from its environment (set by the CDK stack); the local stack sets the same
variables before it imports any handler. Domain code never reads `os.environ` itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

FIVE_MINUTES = 300
TEN_MINUTES = 600
ONE_HOUR = 3600
SEVEN_DAYS = 7 * 24 * 3600
# How long the params archive keeps a record, counted from the time it records (README, "Table
# and key design"): a setting, `ARCHIVE_RETENTION_SECONDS`.
NINETY_DAYS = 90 * 24 * 3600
# The scope of a node registered without `scopes` (`DEFAULT_NODE_SCOPE`, `domain.scopes`):
# "all" — every signed-in user may find it and claim it with its thing password — or "none" —
# only the users and projects an operator names later (EVRYTHNG's default).
DEFAULT_NODE_SCOPES = ("all", "none")


@dataclass(frozen=True)
class Settings:
    region: str
    nodes_table: str
    associations_table: str
    users_table: str
    requests_table: str
    groups_table: str
    archive_table: str
    discovery_table: str
    configs_table: str
    user_pool_id: str
    user_pool_client_id: str
    # Where the users' tokens come from and their keys are (the Lambda authorizer of routes either
    # a user or a thing may call verifies them as the JWT authorizer does).
    user_pool_issuer: str
    user_pool_jwks_url: str
    request_ttl_seconds: int
    archive_retention_seconds: int
    # The local stack confirms sign-ups at once (there is no mailbox); a deployed stack never does.
    auto_confirm_sign_up: bool
    max_body_bytes: int
    default_node_scope: str  # one of DEFAULT_NODE_SCOPES
    # Thing tokens (`domain.thing_tokens`): the KMS key that signs them, the issuer URL the thing
    # authorizer trusts (its discovery document and keys are served under it), their lifetime.
    thing_key_id: str
    thing_token_issuer: str
    thing_token_seconds: int
    # A provisioning (user-node mapping) request must be confirmed by the node within this.
    mapping_ttl_seconds: int
    # A PIN of a Kii ownership flow must be confirmed within this.
    pin_ttl_seconds: int
    # The CloudWatch namespace of the business counts (`observability.count`); Powertools' variable.
    metrics_namespace: str


def _pool_issuer(env: Mapping[str, str]) -> str:
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return f"https://cognito-idp.{region}.amazonaws.com/{env.get('USER_POOL_ID', '')}"


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        nodes_table=env.get("NODES_TABLE", "nodeshare-nodes"),
        associations_table=env.get("ASSOCIATIONS_TABLE", "nodeshare-associations"),
        users_table=env.get("USERS_TABLE", "nodeshare-users"),
        requests_table=env.get("REQUESTS_TABLE", "nodeshare-requests"),
        groups_table=env.get("GROUPS_TABLE", "nodeshare-groups"),
        archive_table=env.get("ARCHIVE_TABLE", "nodeshare-archive"),
        discovery_table=env.get("DISCOVERY_TABLE", "nodeshare-discovery"),
        configs_table=env.get("CONFIGS_TABLE", "nodeshare-configs"),
        user_pool_id=env.get("USER_POOL_ID", ""),
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID", ""),
        user_pool_issuer=_pool_issuer(env),
        user_pool_jwks_url=env.get("USER_POOL_JWKS_URL") or f"{_pool_issuer(env)}/.well-known/jwks.json",
        request_ttl_seconds=int(env.get("REQUEST_TTL_SECONDS", SEVEN_DAYS)),
        archive_retention_seconds=int(env.get("ARCHIVE_RETENTION_SECONDS", NINETY_DAYS)),
        auto_confirm_sign_up=env.get("AUTO_CONFIRM_SIGN_UP", "false").lower() == "true",
        max_body_bytes=int(env.get("MAX_BODY_BYTES", 64 * 1024)),
        default_node_scope=_one_of(
            "DEFAULT_NODE_SCOPE", env.get("DEFAULT_NODE_SCOPE", "all"), DEFAULT_NODE_SCOPES
        ),
        thing_key_id=env.get("THING_KEY_ID", ""),
        thing_token_issuer=env.get("THING_TOKEN_ISSUER", ""),
        thing_token_seconds=int(env.get("THING_TOKEN_SECONDS", ONE_HOUR)),
        mapping_ttl_seconds=int(env.get("MAPPING_TTL_SECONDS", TEN_MINUTES)),
        pin_ttl_seconds=int(env.get("PIN_TTL_SECONDS", FIVE_MINUTES)),
        metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE") or "nodeshare",
    )


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """A setting that must be one of `allowed`: anything else stops the function at its first
    request (a misconfigured deployment fails loudly, never with a wider default)."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value
