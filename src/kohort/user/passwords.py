"""Argon2id password hashes (argon2-cffi's defaults: RFC 9106's low-memory profile)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 1024  # bounded before hashing: Argon2 on a megabyte-long "password" is a denial of service


@cache
def _decoy() -> str:
    """Verified when the address has no account, so a wrong address costs as long as a wrong password.
    Hashed on first use, not at import: every server process would pay for it while starting."""
    return _HASHER.hash("decoy password never used")


class WeakPassword(ValueError):
    """A password shorter than MIN_LENGTH or longer than MAX_LENGTH."""


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; `None` (no such account) takes the same time and is False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash or _decoy(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
