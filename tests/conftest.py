"""Test harness: every database test runs on SQLite and on PostgreSQL.

Each session migrates a fresh SQLite file and a freshly created PostgreSQL database (dropped at the
end), so the suite needs nothing but a reachable server. Tests isolate themselves through tenancy:
each creates its own organization, so they never see each other's rows and never depend on order.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from kohort.app import create_app
from kohort.config import Settings
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit import clock
from kohort.kit.clock import FrozenClock
from kohort.kit.crypto import Cipher
from kohort.migrate import upgrade_async
from kohort.runtime import Runtime, build_runtime
from tests.factories.merchant import Merchant, create_merchant

# Shoppers' IBANs and queued emails are encrypted at rest; tests use a fixed key of their own.
TEST_ENCRYPTION_KEY = "dGVzdC1rZXktZm9yLWtvaG9ydC10ZXN0cy0zMmJ5dGU="
os.environ.setdefault("KOHORT_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)

POSTGRES_ADMIN_URL = os.environ.get("KOHORT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


async def _create_postgres_database() -> str:
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"kohort_test_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password, database=admin.database
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(url: str) -> None:
    admin = make_url(POSTGRES_ADMIN_URL)
    connection = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password, database=admin.database
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'kohort.db'}"


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    url = await _create_postgres_database()
    yield url
    await _drop_postgres_database(url)


@pytest.fixture(scope="session")
async def migrated_urls(sqlite_url: str, postgres_url: str) -> dict[str, str]:
    urls = {"sqlite": sqlite_url, "postgresql": postgres_url}
    for url in urls.values():
        await upgrade_async(url)
    return urls


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def databases(migrated_urls: dict[str, str]) -> AsyncIterator[dict[str, Database]]:
    opened = {name: Database(url, pool_size=5) for name, url in migrated_urls.items()}
    yield opened
    for database in opened.values():
        await database.dispose()


@pytest.fixture(scope="session")
def database(databases: dict[str, Database], backend: str) -> Database:
    """The database of the current backend (each test runs once per backend)."""
    return databases[backend]


@pytest.fixture(scope="session")
def outbox() -> MemorySender:
    """Where the tests' runtimes send emails: memory (tests/email builds a runtime with a real SMTP sender)."""
    return MemorySender()


@pytest.fixture(scope="session")
def runtime(database: Database, outbox: MemorySender) -> Runtime:
    """The process's collaborators as the tests run them: the current backend, a fixed key, emails to memory."""
    # Rate limits off: every test client shares one address, and tests/ratelimit builds limited runtimes itself.
    return build_runtime(Settings(database_url=database.url, rate_limits_enabled=False), database=database,
                         cipher=Cipher(os.environ["KOHORT_ENCRYPTION_KEY"]), sender=outbox)


@pytest.fixture(scope="session")
async def app_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The real application over ASGI, bound to the current backend."""
    app = create_app(runtime=runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kohort.test") as client:
            yield client


@pytest.fixture
async def merchant(database: Database, app_client: httpx.AsyncClient) -> Merchant:
    """A brand-new organization with its four keys and an HTTP client."""
    return await create_merchant(database, app_client)


@pytest.fixture
async def other_merchant(database: Database, app_client: httpx.AsyncClient) -> Merchant:
    return await create_merchant(database, app_client, name="Other shop")


@pytest.fixture
def postgres_only(backend: str) -> str:
    """Marks a test as PostgreSQL-only (real multi-process concurrency; SQLite serializes writers by
    design). Such tests are not collected for SQLite at all, rather than reported as skipped."""
    assert backend == "postgresql"
    return backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    sqlite_only_copies = [
        item
        for item in items
        if "postgres_only" in getattr(item, "fixturenames", ())
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("backend") == "sqlite"
    ]
    if sqlite_only_copies:
        config.hook.pytest_deselected(items=sqlite_only_copies)
        items[:] = [item for item in items if item not in sqlite_only_copies]


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    """The process clock stopped at the present; tests move it with `advance`. Restored afterwards."""
    frozen = FrozenClock(clock.now())
    previous = clock.use(frozen)
    yield frozen
    clock.use(previous)

