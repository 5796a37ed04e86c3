"""The Lambda authorizer (payload 2.0, simple responses) of the routes a user or a thing may call
(`Caller.USER_OR_THING`: Kii's PIN and ownership-check routes). It verifies a user's Cognito token
or a thing token exactly as the API's two JWT authorizers do (`nodeshare.http.tokens`) and hands
the token's claims to the route as its context; no DynamoDB read. API Gateway caches its answer
per token for `AUTHORIZER_CACHE` (infra/api.py)."""

from functools import cache
from typing import Any

from cryptography.hazmat.primitives.serialization import load_der_public_key
from nodeshare.domain.thing_tokens import AUDIENCE, public_key_der
from nodeshare.http.tokens import EitherToken, JwtAuthorizer, Unauthorized
from nodeshare.settings import settings


@cache
def _verifier() -> EitherToken:
    config = settings()
    users = JwtAuthorizer(config.user_pool_jwks_url, config.user_pool_issuer, config.user_pool_client_id)
    things = JwtAuthorizer("", config.thing_token_issuer, AUDIENCE, key=load_der_public_key(public_key_der()))
    return EitherToken(users, things)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    try:
        claims = _verifier().claims(headers.get("authorization"))
    except Unauthorized:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": claims}
