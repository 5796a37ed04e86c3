"""What an HTTP API JWT authorizer does: the local gateway's two authorizers (users', things'),
and the deployed Lambda authorizer of the routes either may call (`EitherToken`).

It takes the token from `Authorization` with or without `Bearer `, verifies the RS256 signature
against the issuer's keys, and checks `exp`/`nbf`/`iat`, the issuer and the audience: `aud` for
ID tokens and thing tokens, `client_id` for access tokens. Claims reach the handler as API
Gateway passes a JWT authorizer's: every value a string, arrays as "[a b]".

Imported only where a token is verified (the local gateway, the Lambda authorizer): PyJWT with
`cryptography` is a large import no route function pays for.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import jwt


class Unauthorized(Exception):
    pass


class JwtAuthorizer:
    def __init__(self, jwks_url: str, issuer: str, audience: str, key: Any = None) -> None:
        """Keys from `jwks_url`, or the one public `key` given (a thing token's, read from KMS)."""
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if key is None else None
        self.key = key
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def from_discovery(cls, issuer: str, audience: str) -> JwtAuthorizer:
        """As API Gateway configures a JWT authorizer for an issuer: the keys are wherever the
        issuer's `/.well-known/openid-configuration` says (`jwks_uri`)."""
        with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=10) as response:
            document = json.load(response)
        if document.get("issuer") != issuer:
            raise ValueError(f"discovery document names issuer {document.get('issuer')!r}, not {issuer!r}")
        return cls(document["jwks_uri"], issuer, audience)

    def claims(self, authorization: str | None) -> dict[str, str]:
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized("missing token")
        try:
            key = self.key if self.jwks is None else self.jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
                leeway=0,
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(str(exc)) from exc
        audience = claims.get("aud") if "aud" in claims else claims.get("client_id")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.audience not in audiences:
            raise Unauthorized("audience does not match")
        return {name: _as_gateway_string(value) for name, value in claims.items()}


def _as_gateway_string(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def token_issuer(authorization: str | None) -> str | None:
    """The `iss` a token claims, unverified: which verifier to ask (each verifies it in full)."""
    token = (authorization or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None
    return issuer if isinstance(issuer, str) else None


class EitherToken:
    """A user's token or a thing token, whichever the caller holds: for routes either side of a
    Kii ownership flow may call (`Caller.USER_OR_THING`). Each token is verified exactly as its
    own JWT authorizer verifies it; the issuer it claims only picks the verifier."""

    def __init__(self, users: JwtAuthorizer, things: JwtAuthorizer) -> None:
        self.by_issuer = {users.issuer: users, things.issuer: things}

    def claims(self, authorization: str | None) -> dict[str, str]:
        verifier = self.by_issuer.get(token_issuer(authorization) or "")
        if verifier is None:
            raise Unauthorized("token from an unknown issuer")
        return verifier.claims(authorization)
