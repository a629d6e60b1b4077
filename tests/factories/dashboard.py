"""Dashboard users and a signed-in browser-like client (cookies kept, CSRF token read from the page)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import httpx

from kohort.db import Database
from kohort.user import service as user_service
from kohort.user.domain import Role, User

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def create_user(database: Database, organization_id: str, *, role: Role = Role.OWNER,
                      email: str | None = None, locale: str = "en_US", password: str = PASSWORD) -> User:
    async with database.transaction() as connection:
        return await user_service.create_user(
            connection, organization_id=organization_id, email=email or f"user{next(_sequence)}@shop.example",
            role=role, password=password, locale=locale)


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, html[:500]
    return found.group(1)


@dataclass
class Dashboard:
    """A browser on the dashboard: its cookies, and the CSRF token of its session."""

    client: httpx.AsyncClient
    user: User
    csrf: str = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> httpx.Response:
        return await self.client.post(path, data={**({"csrf_token": self.csrf} if csrf else {}), **(data or {})})


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/dashboard/login")
    return await client.post("/dashboard/login", data={"csrf_token": csrf_token(form.text), "email": email,
                                                       "password": password})


async def signed_in(client: httpx.AsyncClient, database: Database, organization_id: str, *,
                    role: Role = Role.OWNER, locale: str = "en_US") -> Dashboard:
    user = await create_user(database, organization_id, role=role, locale=locale)
    response = await log_in(client, user.email)
    assert response.status_code == 303, response.text
    home = await client.get("/dashboard/test/")
    assert home.status_code == 200, home.text
    return Dashboard(client=client, user=user, csrf=csrf_token(home.text))
