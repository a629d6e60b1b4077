"""Rate limits on share-code look-ups and withdrawal attempts, for each store: in-process, PostgreSQL
(shared by two real server processes) and Redis (shared by two real server processes)."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from kohort.app import create_app
from kohort.config import Settings
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.clock import FrozenClock
from kohort.ratelimit.limiter import limits_from_settings
from kohort.ratelimit.stores import DatabaseStore, MemoryStore, RedisStore
from kohort.runtime import Runtime
from tests.factories.merchant import Merchant, create_merchant, unique_email
from tests.factories.server import running_server
from tests.factories.withdrawal import GOOD_IBAN, settled_group

REDIS_URL = os.environ.get("KOHORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PER_IP = 5
PER_KEY = 8


def random_ip() -> str:
    """A fresh address per test, so that counters shared with other runs (Redis) never meet."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def unknown_code() -> str:
    return f"KHT-test-{secrets.token_hex(4).upper()}"


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert set(response.json()["error"]) == {"type", "message", "code"}
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def limited_settings(database: Database, **changes: object) -> Settings:
    return Settings(database_url=database.url, rate_limit_share_code_misses_per_ip=PER_IP,
                    rate_limit_share_code_misses_per_key=PER_KEY, rate_limit_withdrawal_failures_per_ip=PER_IP,
                    **changes)


@pytest.fixture(params=["memory", "database", "redis"])
async def limited(request: pytest.FixtureRequest, runtime: Runtime, database: Database) -> AsyncIterator[Runtime]:
    """The tests' runtime with limits on (small budgets) in one of the stores."""
    settings = limited_settings(database, rate_limit_backend=request.param, redis_url=REDIS_URL)
    limits = limits_from_settings(settings, database)
    yield replace(runtime, settings=settings, limits=limits)
    await limits.close()


@pytest.fixture
async def limited_app(limited: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=limited)
    async with app.router.lifespan_context(app):
        yield app  # type: ignore[misc]


def client_for(app: object, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4242)),  # type: ignore[arg-type]
                             base_url="http://kohort.test")


async def test_each_setting_picks_its_store(database: Database) -> None:
    for backend, store in (("memory", MemoryStore), ("database", DatabaseStore), ("redis", RedisStore)):
        limits = limits_from_settings(Settings(database_url=database.url, rate_limit_backend=backend,
                                               redis_url=REDIS_URL), database)
        assert isinstance(limits.limiter.store, store)
        await limits.close()
    automatic = limits_from_settings(Settings(database_url=database.url), database)
    assert isinstance(automatic.limiter.store, MemoryStore if database.is_sqlite else DatabaseStore)
    assert automatic.limiter.enabled
    with_redis = limits_from_settings(Settings(database_url=database.url, redis_url=REDIS_URL), database)
    assert isinstance(with_redis.limiter.store, RedisStore)
    await with_redis.close()


async def test_unknown_codes_on_validate_are_limited_per_ip(limited_app: object, merchant: Merchant,
                                                            frozen_clock: FrozenClock) -> None:
    known = (await merchant.order(email="owner@example.com"))["paymentGroupShareId"]
    headers = merchant.headers("pk_test")
    async with client_for(limited_app, random_ip()) as client, client_for(limited_app, random_ip()) as bystander:
        for _ in range(PER_IP):
            response = await client.post(f"/groups/{unknown_code()}/validate", headers=headers)
            assert response.status_code == 404, response.text
        assert_throttled(await client.post(f"/groups/{unknown_code()}/validate", headers=headers))
        # Known codes too, once the budget is spent: otherwise a 200 among 429s would name the right guess;
        # the membership answer (EMAIL_ALREADY_USED) is covered the same way.
        assert_throttled(await client.post(f"/groups/{known}/validate", headers=headers))
        assert_throttled(await client.post(f"/groups/{known}/validate", headers=headers,
                                           json={"customerEmail": "owner@example.com"}))
        # Another address is not affected, and membership is still answered there.
        member = await bystander.post(f"/groups/{known}/validate", headers=headers,
                                      json={"customerEmail": "owner@example.com"})
        assert member.status_code == 400, member.text
        assert member.json()["error"]["code"] == "EMAIL_ALREADY_USED"
        # The next window starts afresh.
        frozen_clock.advance(timedelta(seconds=60))
        assert (await client.post(f"/groups/{known}/validate", headers=headers)).status_code == 200


@pytest.mark.usefixtures("frozen_clock")  # one window throughout
async def test_unknown_codes_are_limited_per_key_across_addresses(limited_app: object, merchant: Merchant) -> None:
    headers = merchant.headers("pk_test")
    for _ in range(PER_KEY):
        async with client_for(limited_app, random_ip()) as client:
            assert (await client.post(f"/groups/{unknown_code()}/validate", headers=headers)).status_code == 404
    async with client_for(limited_app, random_ip()) as client:
        assert_throttled(await client.post(f"/groups/{unknown_code()}/validate", headers=headers))
        # The merchant's other key is a subject of its own.
        other = await client.post(f"/groups/{unknown_code()}/validate", headers=merchant.headers("sk_test"))
        assert other.status_code == 404


@pytest.mark.usefixtures("frozen_clock")  # one window throughout
async def test_known_codes_are_never_throttled(limited_app: object, merchant: Merchant) -> None:
    codes = [(await merchant.order())["paymentGroupShareId"] for _ in range(3)]
    async with client_for(limited_app, random_ip()) as shop_server:
        responses = [
            await shop_server.post(f"/groups/{codes[index % 3]}/validate", headers=merchant.headers("sk_test"),
                                   json={"customerEmail": unique_email(), "amount": 5000})
            for index in range(PER_KEY * 4)
        ]
        pages = [await shop_server.get(f"/en_US/pg/{codes[index % 3]}") for index in range(PER_IP * 4)]
    assert [response.status_code for response in responses] == [200] * (PER_KEY * 4)
    assert [response.status_code for response in pages] == [200] * (PER_IP * 4)


@pytest.mark.usefixtures("frozen_clock")  # one window throughout
async def test_group_pages_with_unknown_codes_are_limited_per_ip(limited_app: object, merchant: Merchant) -> None:
    known = (await merchant.order())["paymentGroupShareId"]
    async with client_for(limited_app, random_ip()) as client:
        for index in range(PER_IP):
            path = f"/pg/{unknown_code()}" if index % 2 else f"/fr_FR/pg/{unknown_code()}"
            assert (await client.get(path)).status_code == 404
        assert_throttled(await client.get(f"/en_US/pg/{known}"))
        assert_throttled(await client.get(f"/pg/{unknown_code()}"))


@pytest.mark.usefixtures("frozen_clock")  # one window throughout
async def test_failed_withdrawal_attempts_are_limited_per_ip(
    limited: Runtime, limited_app: object, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(limited, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    async with client_for(limited_app, random_ip()) as client:
        for index in range(PER_IP):
            body = {"orderId": link.order_id, "token": secrets.token_hex(32), "iban": GOOD_IBAN, "holderName": "Ann Lee"}
            if index % 2:
                response = await client.post("/withdrawals", json=body)
                assert response.status_code == 400, response.text
            else:
                assert (await client.get(f"/w/{link.order_id}?token={body['token']}")).status_code == 404
        assert_throttled(await client.post("/withdrawals", json={
            "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"}))
        assert_throttled(await client.post(f"/w/{link.order_id}", data={
            "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"}))
    async with client_for(limited_app, random_ip()) as shopper:
        done = await shopper.post("/withdrawals", json={
            "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"})
        assert done.status_code == 201, done.text


async def test_limits_are_on_by_default_and_can_be_switched_off(database: Database, runtime: Runtime) -> None:
    defaults = Settings(database_url=database.url)
    assert defaults.rate_limits_enabled
    assert defaults.rate_limit_share_code_misses_per_ip == 60
    off = limits_from_settings(limited_settings(database, rate_limits_enabled=False), database)
    app = create_app(runtime=replace(runtime, limits=off))
    async with app.router.lifespan_context(app), client_for(app, random_ip()) as client:
        statuses = {(await client.get(f"/pg/{unknown_code()}")).status_code for _ in range(PER_IP * 2)}
    assert statuses == {404}


async def miss_through_servers(urls: tuple[str, str], pk: str) -> list[int]:
    """Unknown codes alternately through two server processes, from one (forwarded) client address; again
    from another address if a minute's window ended meanwhile (the servers' clocks cannot be frozen)."""
    async with httpx.AsyncClient(timeout=60) as client:
        while True:
            window = time.time() // 60
            headers = {"Authorization": f"Bearer {pk}", "X-Forwarded-For": random_ip()}
            statuses = [
                (await client.post(f"{urls[index % 2]}/groups/{unknown_code()}/validate", headers=headers)).status_code
                for index in range(PER_IP + 2)
            ]
            if time.time() // 60 == window:
                return statuses


@pytest.mark.usefixtures("postgres_only")
async def test_postgresql_shares_the_budget_between_processes(database: Database, app_client: httpx.AsyncClient,
                                                              tmp_path: Path) -> None:
    merchant = await create_merchant(database, app_client)
    env = {"KOHORT_DATABASE_URL": database.url, "KOHORT_RATE_LIMIT_SHARE_CODE_MISSES_PER_IP": str(PER_IP)}
    async with (
        running_server(env, embedded_worker=False, log_path=tmp_path / "one.log") as first,
        running_server(env, embedded_worker=False, log_path=tmp_path / "two.log") as second,
    ):
        statuses = await miss_through_servers((first, second), merchant.keys["pk_test"])
    assert statuses == [404] * PER_IP + [429, 429]


async def test_redis_shares_the_budget_between_processes(database: Database, app_client: httpx.AsyncClient,
                                                         tmp_path: Path) -> None:
    merchant = await create_merchant(database, app_client)
    env = {"KOHORT_DATABASE_URL": database.url, "KOHORT_REDIS_URL": REDIS_URL,
           "KOHORT_RATE_LIMIT_SHARE_CODE_MISSES_PER_IP": str(PER_IP)}
    async with (
        running_server(env, embedded_worker=False, log_path=tmp_path / "one.log") as first,
        running_server(env, embedded_worker=False, log_path=tmp_path / "two.log") as second,
    ):
        statuses = await miss_through_servers((first, second), merchant.keys["pk_test"])
    assert statuses == [404] * PER_IP + [429, 429]


@pytest.mark.usefixtures("frozen_clock")  # one window throughout
async def test_concurrent_misses_spend_the_budget_once_each(limited: Runtime, limited_app: object,
                                                            merchant: Merchant) -> None:
    async with client_for(limited_app, random_ip()) as client:
        await asyncio.gather(*(client.post(f"/groups/{unknown_code()}/validate", headers=merchant.headers("pk_test"))
                               for _ in range(PER_IP)))
        assert_throttled(await client.post(f"/groups/{unknown_code()}/validate", headers=merchant.headers("pk_test")))

