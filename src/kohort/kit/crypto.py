"""Encryption at rest for the few secrets we must keep readable (shoppers' IBANs until paid, email
payloads waiting to be sent): AES-256-GCM with a random 96-bit nonce per value.

The stored form is `v1:` + urlsafe-base64(nonce ‖ ciphertext ‖ tag). `associated_data` binds a value to
the row it belongs to, so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """Raised when a value was not encrypted with this key (or was tampered with)."""


def new_key() -> str:
    """A fresh 256-bit key in the form `KOHORT_ENCRYPTION_KEY` takes (urlsafe base64)."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def parse_key(encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.strip().encode())
    except (binascii.Error, ValueError):
        raise ValueError("the encryption key must be urlsafe base64 of 32 bytes") from None
    if len(key) != 32:
        raise ValueError("the encryption key must be urlsafe base64 of 32 bytes")
    return key


class Cipher:
    def __init__(self, key: str) -> None:
        self._aead = AESGCM(parse_key(key))

    def encrypt(self, plaintext: str, *, associated_data: str = "") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), associated_data.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, *, associated_data: str = "") -> str:
        if not stored.startswith(PREFIX):
            raise DecryptionError("unknown ciphertext format")
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError("value does not decrypt with this key") from None
