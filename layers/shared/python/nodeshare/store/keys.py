"""The thing-token signing key, in KMS: signing and its public key. The private key never leaves
KMS; the client is created lazily, once (see `store.identity` for why a session of its own)."""

from __future__ import annotations

from functools import cache
from typing import Any

from nodeshare.settings import settings
from nodeshare.store.clients import client_config

# RS256 is what an API Gateway JWT authorizer verifies; KMS's name for it.
SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"


@cache
def _client() -> Any:
    import boto3

    return boto3.session.Session().client("kms", region_name=settings().region, config=client_config())


def sign(message: bytes) -> bytes:
    """An RS256 signature of `message` by the thing-token key (one KMS Sign call)."""
    response = _client().sign(
        KeyId=settings().thing_key_id,
        Message=message,
        MessageType="RAW",
        SigningAlgorithm=SIGNING_ALGORITHM,
    )
    return bytes(response["Signature"])


def public_key_der() -> bytes:
    """The key's public half, DER SubjectPublicKeyInfo (read once per container and key id: it
    never changes for a key)."""
    return _public_key_der(settings().thing_key_id)


@cache
def _public_key_der(key_id: str) -> bytes:
    return bytes(_client().get_public_key(KeyId=key_id)["PublicKey"])
