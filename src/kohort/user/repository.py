"""Queries for dashboard users, their sessions and the login throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import insert_ignoring_conflicts
from kohort.models import login_throttles, user_sessions, users
from kohort.user.domain import LOGIN_WINDOW, MAX_LOGIN_FAILURES, SessionUser, User


def email_key(email: str) -> str:
    return email.strip().lower()


async def insert_user(connection: AsyncConnection, values: dict[str, Any]) -> User | None:
    """The new user, or None when the address already has an account."""
    statement = insert_ignoring_conflicts(connection, users, ["email_key"], returning=True)
    row = (await connection.execute(statement, values)).first()
    return User.from_row(row) if row is not None else None


async def find_by_email(connection: AsyncConnection, email: str) -> User | None:
    row = (await connection.execute(select(users).where(users.c.email_key == email_key(email)))).first()
    return User.from_row(row) if row is not None else None


async def list_users(connection: AsyncConnection, organization_id: str | None) -> list[User]:
    statement = select(users).order_by(users.c.organization_id, users.c.created_at, users.c.id)
    if organization_id is not None:
        statement = statement.where(users.c.organization_id == organization_id)
    return [User.from_row(row) for row in (await connection.execute(statement)).all()]


async def update_user(connection: AsyncConnection, user_id: str, values: dict[str, Any]) -> User | None:
    statement = update(users).where(users.c.id == user_id).values(**values).returning(users)
    row = (await connection.execute(statement)).first()
    return User.from_row(row) if row is not None else None


async def insert_session(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(user_sessions).values(**values))


async def live_session(connection: AsyncConnection, token_hash: str, now: datetime) -> SessionUser | None:
    """The session of this token if it has neither expired nor ended, and its user is not disabled."""
    statement = (
        select(users, user_sessions.c.csrf_token, user_sessions.c.expires_at)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(
            user_sessions.c.token_hash == token_hash, user_sessions.c.ended_at.is_(None),
            user_sessions.c.expires_at > now, users.c.disabled_at.is_(None),
        )
    )
    row = (await connection.execute(statement)).first()
    if row is None:
        return None
    width = len(users.columns)
    return SessionUser(user=User.from_row(row[:width]), csrf_token=row[width], expires_at=row[width + 1])


async def end_session(connection: AsyncConnection, token_hash: str, now: datetime) -> None:
    await connection.execute(
        update(user_sessions)
        .where(user_sessions.c.token_hash == token_hash, user_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


async def end_sessions_of(connection: AsyncConnection, user_id: str, now: datetime) -> None:
    await connection.execute(
        update(user_sessions).where(user_sessions.c.user_id == user_id, user_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


async def take_login_attempt(connection: AsyncConnection, key: str, now: datetime) -> bool:
    """Counts one attempt for this address; False (and nothing counted) once MAX_LOGIN_FAILURES attempts
    fell within the window. One conditional UPDATE, so concurrent attempts cannot both take the last one."""
    statement = insert_ignoring_conflicts(connection, login_throttles, ["email_key"])
    await connection.execute(statement, {"email_key": key, "failures": 0, "window_started_at": now})
    cutoff = now - LOGIN_WINDOW
    window_over = login_throttles.c.window_started_at <= cutoff
    taken = await connection.execute(
        update(login_throttles)
        .where(login_throttles.c.email_key == key, window_over | (login_throttles.c.failures < MAX_LOGIN_FAILURES))
        .values(
            failures=case((window_over, 1), else_=login_throttles.c.failures + 1),
            window_started_at=case((window_over, now), else_=login_throttles.c.window_started_at),
        )
    )
    return taken.rowcount == 1


async def clear_login_attempts(connection: AsyncConnection, key: str) -> None:
    await connection.execute(update(login_throttles).where(login_throttles.c.email_key == key).values(failures=0))


async def set_flash(connection: AsyncConnection, token_hash: str, sealed: str) -> None:
    await connection.execute(
        update(user_sessions).where(user_sessions.c.token_hash == token_hash, user_sessions.c.ended_at.is_(None))
        .values(flash=sealed)
    )


async def take_flash(connection: AsyncConnection, token_hash: str) -> str | None:
    """The session's flash, cleared as it is read: of two requests racing for it, one only gets it."""
    statement = select(user_sessions.c.flash).where(user_sessions.c.token_hash == token_hash)
    sealed = (await connection.execute(statement)).scalar_one_or_none()
    if sealed is None:
        return None
    cleared = await connection.execute(
        update(user_sessions).where(user_sessions.c.token_hash == token_hash, user_sessions.c.flash == sealed)
        .values(flash=None)
    )
    return str(sealed) if cleared.rowcount == 1 else None
