"""A database of the test's own, migrated, on the backend under test: the encryption key is the installation's,
so tests that change it cannot share the session's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kohort.migrate import upgrade_async
from tests.conftest import _create_postgres_database, _drop_postgres_database


@pytest.fixture
async def fresh_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if backend == "sqlite" else await _create_postgres_database()
    try:
        await upgrade_async(url)
        yield url
    finally:
        if backend == "postgresql":
            await _drop_postgres_database(url)
