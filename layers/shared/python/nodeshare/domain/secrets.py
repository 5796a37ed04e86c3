"""Thing passwords are stored only as salted hashes (scrypt, from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

# scrypt cost: n=2**14, r=8 is the standard interactive setting (about 16 MiB, tens of ms).
_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt_b64), n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


@cache
def dummy_hash() -> str:
    """Verified when the node is unknown, so a wrong node id costs as long as a wrong password.
    Made on first use, not at import: scrypt would add to every cold start."""
    return hash_secret(secrets.token_urlsafe(16))
