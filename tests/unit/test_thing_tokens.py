"""Thing tokens' pieces that need no AWS: the JWK read from KMS's DER public key matches what
`cryptography` reads from it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from nodeshare.domain.thing_tokens import rsa_public_numbers


@pytest.mark.parametrize("key_size", [2048, 3072, 4096])
def test_the_public_numbers_are_read_from_der_as_cryptography_reads_them(key_size: int):
    public = rsa.generate_private_key(public_exponent=65537, key_size=key_size).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert rsa_public_numbers(der) == (public.public_numbers().n, public.public_numbers().e)


def test_anything_else_is_refused():
    with pytest.raises(ValueError):
        rsa_public_numbers(b"\x02\x01\x00")
