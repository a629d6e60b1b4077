"""Dashboard accounts: create, list, disable, change a password; log in and out; read a session."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.errors import KohortError, NotFound
from kohort.kit import clock
from kohort.kit.crypto import Cipher, DecryptionError
from kohort.kit.formatting import page_locale
from kohort.kit.ids import hash_secret, new_id
from kohort.organization import service as organization_service
from kohort.user import passwords, repository
from kohort.user.domain import SESSION_LIFETIME, Role, SessionUser, User

MAX_EMAIL_LENGTH = 255


class LoginRefused(KohortError):
    """Wrong address, wrong password, disabled account or too many attempts: one message for all, so the
    page tells an attacker nothing about which accounts exist."""

    status_code = 401
    default_code = "LOGIN_REFUSED"


@dataclass(frozen=True, slots=True)
class StartedSession:
    token: str  # the cookie's value, known only to the browser (the database keeps its SHA-256)
    session: SessionUser


def _check_email(email: str) -> str:
    email = email.strip()
    if not 3 <= len(email) <= MAX_EMAIL_LENGTH or "@" not in email or any(c.isspace() for c in email):
        raise KohortError("email: not an email address.", code="VALIDATION_ERROR")
    return email


def _password_hash(password: str) -> str:
    try:
        return passwords.hash_password(password)
    except passwords.WeakPassword as error:
        raise KohortError(f"password: {error}.", code="VALIDATION_ERROR") from None


async def create_user(
    connection: AsyncConnection, *, organization_id: str, email: str, role: Role, password: str,
    locale: str = "fr_FR",
) -> User:
    email = _check_email(email)
    if await organization_service.find_organization(connection, organization_id) is None:
        raise NotFound(f"No organization {organization_id}.")
    password_hash = await asyncio.to_thread(_password_hash, password)
    now = clock.now()
    created = await repository.insert_user(connection, {
        "id": new_id("usr"), "organization_id": organization_id, "email": email,
        "email_key": repository.email_key(email), "role": role.value, "locale": page_locale(locale),
        "password_hash": password_hash, "disabled_at": None, "created_at": now, "updated_at": now,
    })
    if created is None:
        raise KohortError(f"{email} already has an account.", code="USER_EXISTS")
    return created


async def list_users(connection: AsyncConnection, *, organization_id: str | None = None) -> list[User]:
    return await repository.list_users(connection, organization_id)


async def _get(connection: AsyncConnection, email: str) -> User:
    user = await repository.find_by_email(connection, email)
    if user is None:
        raise NotFound(f"No user {email.strip()}.")
    return user


async def disable_user(connection: AsyncConnection, email: str) -> User:
    """The account can no longer log in, and its open sessions end now."""
    user = await _get(connection, email)
    now = clock.now()
    changed = await repository.update_user(connection, user.id, {"disabled_at": now, "updated_at": now})
    await repository.end_sessions_of(connection, user.id, now)
    assert changed is not None
    return changed


async def set_password(connection: AsyncConnection, email: str, password: str) -> User:
    """A new password; every open session ends (whoever knew the old one is logged out)."""
    user = await _get(connection, email)
    password_hash = await asyncio.to_thread(_password_hash, password)
    now = clock.now()
    changed = await repository.update_user(connection, user.id, {"password_hash": password_hash, "updated_at": now})
    await repository.end_sessions_of(connection, user.id, now)
    assert changed is not None
    return changed


async def log_in(database: Database, *, email: str, password: str) -> StartedSession:
    """Checks the password and opens a session. Owns its transactions: the Argon2 check (tens of
    milliseconds of CPU) runs between them, never while holding SQLite's write lock."""
    key = repository.email_key(email)[:MAX_EMAIL_LENGTH]
    async with database.transaction() as connection:
        allowed = await repository.take_login_attempt(connection, key, clock.now())
        user = await repository.find_by_email(connection, key) if allowed else None
    if not allowed:
        raise LoginRefused("Wrong email or password, or too many attempts: try again later.")
    stored_hash = user.password_hash if user is not None and user.disabled_at is None else None
    if not await asyncio.to_thread(passwords.verify, stored_hash, password) or user is None:
        raise LoginRefused("Wrong email or password, or too many attempts: try again later.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    csrf_token = secrets.token_urlsafe(32)
    async with database.transaction() as connection:
        await repository.clear_login_attempts(connection, key)
        await repository.insert_session(connection, {
            "token_hash": hash_secret(token), "user_id": user.id, "csrf_token": csrf_token, "created_at": now,
            "expires_at": now + SESSION_LIFETIME, "ended_at": None,
        })
    return StartedSession(token=token, session=SessionUser(user=user, csrf_token=csrf_token,
                                                           expires_at=now + SESSION_LIFETIME))


async def current_session(connection: AsyncConnection, token: str) -> SessionUser | None:
    if not token or len(token) > 100:
        return None
    return await repository.live_session(connection, hash_secret(token), clock.now())


async def log_out(connection: AsyncConnection, token: str) -> None:
    if token and len(token) <= 100:
        await repository.end_session(connection, hash_secret(token), clock.now())


# A flash is a short message (an API key): bounded, so that its sealed form fits the column.
MAX_FLASH_LENGTH = 150
_FLASH_KEY_LABEL = b"kohort session flash"


def _flash_cipher(token: str) -> Cipher:
    """A key only the session's browser can rebuild: the database holds the token's hash, never the token."""
    derived = hmac.new(token.encode(), _FLASH_KEY_LABEL, hashlib.sha256).digest()
    return Cipher(base64.urlsafe_b64encode(derived).decode())


async def put_flash(connection: AsyncConnection, token: str, message: str) -> None:
    """Keep `message` for the session's next page (POST → redirect → GET: a refresh repeats only the GET)."""
    if not token or len(token) > 100 or len(message) > MAX_FLASH_LENGTH:
        raise KohortError("This message cannot be kept for the next page.", code="VALIDATION_ERROR")
    await repository.set_flash(connection, hash_secret(token), _flash_cipher(token).encrypt(message))


async def take_flash(connection: AsyncConnection, token: str) -> str | None:
    """The session's flash, once: the next read finds nothing."""
    if not token or len(token) > 100:
        return None
    sealed = await repository.take_flash(connection, hash_secret(token))
    if sealed is None:
        return None
    try:
        return _flash_cipher(token).decrypt(sealed)
    except DecryptionError:
        return None
