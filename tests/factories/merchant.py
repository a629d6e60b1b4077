"""A merchant for tests: an organization, its keys, and shortcuts for calling the API with them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from kohort.db import Database
from kohort.http.versions import CURRENT_VERSION
from kohort.kit.clock import FrozenClock
from kohort.organization import service as organization_service
from kohort.tenant import Tenant

_sequence = itertools.count(1)


def unique_email(prefix: str = "shopper") -> str:
    return f"{prefix}{next(_sequence)}@example.com"


@dataclass
class Merchant:
    id: str
    keys: dict[str, str]
    client: httpx.AsyncClient
    api_version: str = CURRENT_VERSION
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def headers(self, key: str = "sk_test", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[key]}", **extra}

    async def request(self, method: str, path: str, *, key: str = "sk_test", json: Any = None,
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, json=json, headers={**self.headers(key), **(headers or {})},
                                         **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, json=json, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def order(self, *, amount: int = 10_000, email: str | None = None, share_code: str | None = None,
                    key: str = "sk_test", **fields: Any) -> dict[str, Any]:
        """POST /orders for a new shopper (or `email`); asserts 201 and returns the order."""
        body = {"amount": amount, "customerEmail": email or unique_email(), "customerFirstName": "Ann",
                "customerLastName": "Lee", **fields}
        if share_code:
            body["paymentGroupShareId"] = share_code
        response = await self.post("/orders", json=body, key=key)
        assert response.status_code == 201, response.text
        return response.json()


async def create_merchant(database: Database, client: httpx.AsyncClient, *, name: str = "Test shop",
                          api_version: str = CURRENT_VERSION, cashback_hold_days: int | None = 0) -> Merchant:
    """`cashback_hold_days`: 0 (cashback withdrawable as soon as a group completes) for the tests that are
    about something else; None keeps the organization's default (14 days), for the tests of the hold."""
    async with database.transaction() as connection:
        created = await organization_service.create_organization(connection, name=name, api_version=api_version)
        if cashback_hold_days is not None:
            for livemode in (False, True):
                await organization_service.set_cashback_hold(connection, Tenant(created.id, livemode),
                                                             days=cashback_hold_days)
    return Merchant(id=created.id, keys=created.keys, client=client, api_version=api_version)


class Ticker:
    """Moves a frozen clock one millisecond per call, so rows created one after another get distinct,
    increasing timestamps (the wire precision is milliseconds; ties would be broken by random ids)."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock

    def __call__(self) -> None:
        self.clock.advance(timedelta(milliseconds=1))
