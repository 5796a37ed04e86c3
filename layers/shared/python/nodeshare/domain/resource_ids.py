"""EVRYTHNG resource ids (seed 004), for projects and products: 24 characters of the seed's
alphabet — letters and digits but those easily misread (i, j, l, o, u, v, z; I, J, L, O, Z)."""

from __future__ import annotations

import secrets

ALPHABET = "abcdefghkmnpqrstwxyABCDEFGHKMNPQRSTUVWXY0123456789"
LENGTH = 24
PATTERN = f"^[{ALPHABET}]{{{LENGTH}}}$"  # the seed's JSON Schema pattern for a project id


def new_resource_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
