"""The development key: beside the SQLite database (or in the user's data directory for PostgreSQL), taken over
from the working directory where older versions kept it, and never enough for live mode."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import httpx
import pytest

from kohort.app import create_app
from kohort.config import Settings, dev_key_path, encryption_key
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.crypto import new_key
from kohort.runtime import build_runtime
from tests.factories.merchant import create_merchant


def test_the_dev_key_lives_beside_the_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'data' / 'kohort.db'}", encryption_key=None)
    (tmp_path / "data").mkdir()
    assert dev_key_path(settings) == tmp_path / "data" / "kohort-dev.key"
    key = encryption_key(settings)
    assert (tmp_path / "data" / "kohort-dev.key").read_text().strip() == key
    assert stat.S_IMODE((tmp_path / "data" / "kohort-dev.key").stat().st_mode) == 0o600
    assert not (tmp_path / "kohort-dev.key").exists()  # nothing in the working directory
    assert encryption_key(settings) == key  # created once
    relative = Settings(database_url="sqlite:///./data/kohort.db", encryption_key=None)
    assert dev_key_path(relative) == tmp_path / "data" / "kohort-dev.key"


def test_postgresql_keeps_it_in_the_user_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    settings = Settings(database_url="postgresql://kohort@db.internal/kohort", encryption_key=None)
    assert dev_key_path(settings) == tmp_path / "share" / "kohort" / "kohort-dev.key"
    assert encryption_key(settings) == (tmp_path / "share" / "kohort" / "kohort-dev.key").read_text().strip()
    chosen = settings.model_copy(update={"dev_key_file": str(tmp_path / "mine.key")})
    assert dev_key_path(chosen) == tmp_path / "mine.key"
    assert Settings(database_url="sqlite://", encryption_key=None).database_url  # in memory: the data directory too
    assert dev_key_path(Settings(database_url="sqlite://", encryption_key=None)) == dev_key_path(settings)


def test_a_key_left_in_the_working_directory_is_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    old_key = new_key()
    (tmp_path / "kohort-dev.key").write_text(old_key + "\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'data' / 'kohort.db'}", encryption_key=None)
    with caplog.at_level(logging.WARNING, logger="kohort.config"):
        assert encryption_key(settings) == old_key
    assert (tmp_path / "data" / "kohort-dev.key").read_text().strip() == old_key
    assert stat.S_IMODE((tmp_path / "data" / "kohort-dev.key").stat().st_mode) == 0o600
    assert "crypto.dev_key_copied" in caplog.text
    # Once the new place holds a key, the working directory's no longer matters.
    (tmp_path / "kohort-dev.key").write_text(new_key() + "\n")
    assert encryption_key(settings) == old_key


async def test_live_mode_is_refused_while_the_dev_key_is_in_use(database: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=database.url, encryption_key=None, rate_limits_enabled=False,
                        dev_key_file=str(tmp_path / "kohort-dev.key"))
    runtime = build_runtime(settings, database=database, sender=MemorySender())
    assert runtime.dev_key
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kohort.test") as client:
        merchant = await create_merchant(database, client)
        for key in ("sk_live", "pk_live"):
            refused = await merchant.get("/payment-group-settings", key=key)
            assert refused.status_code == 503, (key, refused.text)
            assert refused.json()["error"]["code"] == "ENCRYPTION_KEY_REQUIRED"
            assert refused.json()["error"]["type"] == "api_error"
            assert "KOHORT_ENCRYPTION_KEY" in refused.json()["error"]["message"]
        assert (await merchant.get("/payment-group-settings", key="sk_test")).status_code == 200
    # With a key set, live mode is served (the suite's runtime has one: every live-mode test relies on it).
    keyed = build_runtime(settings.model_copy(update={"encryption_key": new_key()}), database=database)
    assert not keyed.dev_key
