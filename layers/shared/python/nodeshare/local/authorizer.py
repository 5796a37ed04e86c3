"""What the HTTP API's Cognito JWT authorizer does, done locally.

It takes the token from `Authorization` with or without `Bearer `, verifies the RS256 signature
against the pool's JWKS, and checks `exp`/`nbf`/`iat`, the issuer (the pool) and the audience:
`aud` for ID tokens, `client_id` for access tokens. Claims reach the handler as API Gateway
passes them: every value a string, arrays as "[a b]".
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import jwt


class Unauthorized(Exception):
    pass


class JwtAuthorizer:
    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
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
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
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
