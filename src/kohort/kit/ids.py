"""Identifiers, share codes and secrets, all from the OS CSPRNG (the original used Math.random)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ID_RANDOM_BYTES = 10  # 80 bits: collisions are not a practical concern


def new_id(prefix: str) -> str:
    """`ord_3f9a0c2b7d1e4a5b6c7d` style identifiers."""
    return f"{prefix}_{secrets.token_hex(ID_RANDOM_BYTES)}"


# 32 symbols without the look-alikes 0/O and 1/I: 8 of them carry 40 bits, against the original's 32
# (8 hex digits), so guessing a live code takes 256 times longer; shoppers can still read one aloud.
SHARE_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SHARE_CODE_LENGTH = 8


def new_share_code(*, livemode: bool, prefix: str = "KHT") -> str:
    """`KHT-7QK3XM2A` (live) or `KHT-test-7QK3XM2A` (test): the original's format, 8 upper-case characters,
    after the organization's prefix (`KHT`, or `KHTPAY` for WooCommerce shops).

    Codes drawn before the alphabet changed (8 hex digits) stay valid: lookups go by `share_code_key`,
    which does not care which alphabet a code came from."""
    body = "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))
    return f"{prefix}-{body}" if livemode else f"{prefix}-test-{body}"


LEGACY_SHARE_CODE_PREFIX = "KHTPAY-"


def share_code_key(code: str) -> str:
    """The case-insensitive lookup form of a share code: trimmed and upper-cased, with the legacy
    `KHTPAY-` prefix read as `KHT-`, so a code is found whichever of the two prefixes it is typed with
    (WooCommerce only intercepts coupons that start with `khtpay-`; PrestaShop anything from `KHT`)."""
    key = code.strip().upper()
    if key.startswith(LEGACY_SHARE_CODE_PREFIX):
        key = "KHT-" + key[len(LEGACY_SHARE_CODE_PREFIX) :]
    return key


def new_secret(nbytes: int = 32) -> str:
    """Opaque secret for bearer tokens (API keys, withdrawal tokens): lowercase hex, nbytes of entropy."""
    return secrets.token_hex(nbytes)


def hash_secret(secret: str) -> str:
    """Secrets carry ≥128 bits of entropy, so a plain SHA-256 is a safe at-rest form (no need for bcrypt)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secrets_match(secret: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), expected_hash)
