"""Dashboard users and sessions as the rest of the code sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kohort.models import Role, users
from kohort.models.base import check_row_shape

__all__ = ["LOGIN_WINDOW", "MAX_LOGIN_FAILURES", "SESSION_LIFETIME", "Role", "SessionUser", "User"]

# Five wrong passwords per address in fifteen minutes, then every attempt is refused until the window ends.
MAX_LOGIN_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)
# A session ends after a working day, whatever happens in it: a forgotten laptop stays open no longer.
SESSION_LIFETIME = timedelta(hours=12)

_RANKS = {Role.VIEWER: 0, Role.ADMIN: 1, Role.OWNER: 2}


def role_allows(role: Role, needed: Role) -> bool:
    """Roles are nested: an owner may do what an admin may, an admin what a viewer may."""
    return _RANKS[role] >= _RANKS[needed]


@dataclass(frozen=True, slots=True)
class User:
    id: str
    organization_id: str
    email: str
    email_key: str
    role: Role
    locale: str
    password_hash: str
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> User:
        values = list(row)
        values[4] = Role(values[4])
        return cls(*values)

    def may(self, needed: Role) -> bool:
        return role_allows(self.role, needed)


@dataclass(frozen=True, slots=True)
class SessionUser:
    """A live session and whose it is."""

    user: User
    csrf_token: str
    expires_at: datetime


check_row_shape(users, User)
