"""Encryption at rest for the few secrets we must keep readable (shoppers' IBANs until paid, email
payloads waiting to be sent): AES-256-GCM with a random 96-bit nonce per value.

The stored form is `v1:` + urlsafe-base64(nonce ‖ ciphertext ‖ tag). `associated_data` binds a value to
the row it belongs to, so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
NONCE_BYTES = 12
# What the key's fingerprint is the HMAC-SHA256 of: it names a key (in the database, in messages) and reveals
# nothing of it.
FINGERPRINT_LABEL = b"kohort encryption key fingerprint v1"


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


def fingerprint(key: str) -> str:
    return hmac.new(parse_key(key), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


class Cipher:
    def __init__(self, key: str) -> None:
        self._aead = AESGCM(parse_key(key))
        self.fingerprint = fingerprint(key)

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


class Rotation:
    """Moving values from one key to another, resumably: a value the new key already decrypts is left alone, so
    an interrupted rotation run again carries on where it stopped."""

    def __init__(self, old: Cipher, new: Cipher) -> None:
        self.old = old
        self.new = new

    def reseal(self, stored: str, *, associated_data: str = "") -> str | None:
        """The value encrypted under the new key, or None when it already is; DecryptionError when neither
        key decrypts it."""
        try:
            self.new.decrypt(stored, associated_data=associated_data)
        except DecryptionError:
            return self.new.encrypt(self.old.decrypt(stored, associated_data=associated_data),
                                    associated_data=associated_data)
        return None
