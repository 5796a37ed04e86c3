"""Thing tokens: a node's own credential, exchanged for its thing password (SPEC §3.2).

A thing token is a JWT signed RS256 by a KMS key the stack owns, with the stack's own issuer
(`settings.thing_token_issuer`, an URL under this API that serves the OpenID discovery document
and the JWKS). API Gateway verifies it with a second JWT authorizer (issuer, audience
`AUDIENCE`, signature, expiry) before any function runs: authenticating a thing costs no
DynamoDB read and no Lambda. What the token says:

- `sub` the node id, `token_use` "thing", `aud` `AUDIENCE`, `exp` `settings.thing_token_seconds`
  after `iat`, a random `jti`;
- `secret_version`: the node's `secret_version` when the token was issued. Rotating the secret
  (`PUT /v1/admin/nodes/{node_id}` with `secret`) moves it, and every device route checks it
  against the node item it reads or writes (`authorization.authorize_thing` and the write's
  condition), so earlier tokens stop working at once.

Cost (README, "Thing tokens"): a token costs one KMS Sign when issued; verifying it costs nothing
beyond the API request. Nothing is paid per device that merely exists.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from nodeshare.settings import settings
from nodeshare.store import keys

AUDIENCE = "nodeshare-things"
TOKEN_USE = "thing"
KEY_ID = "thing-1"  # one key per stack; a new key (rotation) would get a new `kid`


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def issue(node_id: str, secret_version: int, now: int) -> tuple[str, int]:
    """A signed thing token for `node_id` and its lifetime in seconds (one KMS Sign)."""
    lifetime = settings().thing_token_seconds
    header = {"alg": "RS256", "typ": "JWT", "kid": KEY_ID}
    claims = {
        "iss": settings().thing_token_issuer,
        "aud": AUDIENCE,
        "sub": node_id,
        "token_use": TOKEN_USE,
        "secret_version": secret_version,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(16),
    }
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = keys.sign(signing_input.encode())
    return f"{signing_input}.{_b64url(signature)}", lifetime


def discovery_document() -> dict[str, Any]:
    """What `{issuer}/.well-known/openid-configuration` answers: the JWT authorizer reads
    `issuer` and `jwks_uri` from it."""
    issuer = settings().thing_token_issuer
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "aud", "exp", "iat", "iss", "token_use", "secret_version"],
    }


def key_set() -> dict[str, Any]:
    """The JWKS: the thing-token key's public half as a JWK (RFC 7517)."""
    modulus, exponent = rsa_public_numbers(keys.public_key_der())
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": KEY_ID,
                "n": _b64url(_unsigned_bytes(modulus)),
                "e": _b64url(_unsigned_bytes(exponent)),
            }
        ]
    }


def _unsigned_bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def rsa_public_numbers(der: bytes) -> tuple[int, int]:
    """(n, e) of an RSA SubjectPublicKeyInfo, as KMS GetPublicKey returns it:

        SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }

    Read here with a few lines of DER rather than by adding `cryptography` (a native package of
    several MB) to the layer every function loads; the unit test checks it against `cryptography`.
    """
    spki, _ = _read(der, 0, 0x30)
    _, after_algorithm = _read(spki, 0, 0x30)
    bit_string, _ = _read(spki, after_algorithm, 0x03)
    if bit_string[:1] != b"\x00":
        raise ValueError("public key bit string has unused bits")
    rsa_key, _ = _read(bit_string[1:], 0, 0x30)
    modulus, after_modulus = _read(rsa_key, 0, 0x02)
    exponent, _ = _read(rsa_key, after_modulus, 0x02)
    return int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big")


def _read(data: bytes, offset: int, tag: int) -> tuple[bytes, int]:
    """The content of the DER element of `tag` at `offset`, and the offset after it."""
    if data[offset] != tag:
        raise ValueError(f"expected DER tag {tag:#x} at {offset}, found {data[offset]:#x}")
    length, position = data[offset + 1], offset + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    return data[position : position + length], position + length
