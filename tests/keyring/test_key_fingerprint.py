"""The database remembers its encryption key's fingerprint (never the key): a process started with another key
refuses to start, saying how to fix it, instead of failing later on every secret."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from kohort.config import Settings
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.keyring.domain import FINGERPRINT, KeyMismatch
from kohort.kit.crypto import fingerprint, new_key
from kohort.models import instance_settings
from kohort.runtime import Runtime, build_runtime, secure_at_rest
from tests.factories.server import KOHORT, ROOT, free_port, running_server


def runtime_with(url: str, key: str) -> Runtime:
    return build_runtime(Settings(database_url=url, encryption_key=key, rate_limits_enabled=False),
                         sender=MemorySender(), pool_size=2)


async def stored_fingerprint(url: str) -> str | None:
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as connection:
            statement = select(instance_settings.c.value).where(instance_settings.c.name == FINGERPRINT)
            value: str | None = (await connection.execute(statement)).scalar_one_or_none()
            return value
    finally:
        await database.dispose()


async def test_the_first_key_is_recorded_and_another_is_refused(fresh_url: str) -> None:
    key_a, key_b = new_key(), new_key()
    first = runtime_with(fresh_url, key_a)
    try:
        await secure_at_rest(first)
        await secure_at_rest(first)  # the same key again: fine
    finally:
        await first.close()
    recorded = await stored_fingerprint(fresh_url)
    assert recorded == fingerprint(key_a)
    assert key_a not in (recorded or "")
    assert fingerprint(key_a) != fingerprint(key_b)

    second = runtime_with(fresh_url, key_b)
    try:
        with pytest.raises(KeyMismatch) as refused:
            await secure_at_rest(second)
    finally:
        await second.close()
    assert "KOHORT_ENCRYPTION_KEY" in refused.value.message
    assert "kohort keys rotate-encryption" in refused.value.message
    assert fingerprint(key_b)[:12] in refused.value.message
    assert key_b not in refused.value.message
    assert await stored_fingerprint(fresh_url) == fingerprint(key_a)  # unchanged by the refused process


def _run(url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KOHORT_DATABASE_URL": url, "KOHORT_ENCRYPTION_KEY": key}
    return subprocess.run([str(KOHORT), *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=180, check=False)


async def test_kohort_serve_and_the_worker_refuse_another_key(fresh_url: str, tmp_path: Path) -> None:
    key_a, key_b = new_key(), new_key()
    env_a = {"KOHORT_DATABASE_URL": fresh_url, "KOHORT_ENCRYPTION_KEY": key_a}
    async with running_server(env_a, log_path=tmp_path / "server-a.log") as base_url:
        assert base_url  # served with the key it was first started with
    assert await stored_fingerprint(fresh_url) == fingerprint(key_a)

    refused = _run(fresh_url, key_b, "serve", "--host", "127.0.0.1", "--port", str(free_port()))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Refusing to start" in refused.stderr
    assert "KOHORT_ENCRYPTION_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "Uvicorn running" not in refused.stderr + refused.stdout

    worker = _run(fresh_url, key_b, "worker", "--drain")
    assert worker.returncode == 1
    assert "Refusing to start" in worker.stderr
    assert _run(fresh_url, key_a, "worker", "--drain").returncode == 0
