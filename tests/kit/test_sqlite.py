"""SQLite without aiosqlite's thread (kohort.kit.sqlite) and the order in which `Database` lends its one
SQLite connection: statements run on the event loop's thread, a writer elsewhere never stalls the loop,
and tasks get the connection in the order they asked for it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from kohort.db import Database


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'kohort.db'}?timeout=2")
    async with database.transaction() as connection:
        await connection.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_rows_can_be_read_after_the_transaction_ended(database: Database) -> None:
    async with database.transaction() as connection:
        inserted = await connection.execute(
            text("INSERT INTO things (name) VALUES ('a'), ('b') RETURNING id, name"))
        updated = await connection.execute(text("UPDATE things SET name = upper(name)"))
        selected = await connection.execute(text("SELECT name FROM things ORDER BY id"))
    assert [tuple(row) for row in inserted.all()] == [(1, "a"), (2, "b")]
    assert updated.rowcount == 2
    assert selected.scalars().all() == ["A", "B"]


async def test_a_failed_statement_rolls_the_transaction_back(database: Database) -> None:
    async def insert_then_fail() -> None:
        async with database.transaction() as connection:
            await connection.execute(text("INSERT INTO things (name) VALUES ('kept?')"))
            await connection.execute(text("SELECT nope FROM nowhere"))

    with pytest.raises(sqlalchemy.exc.OperationalError):
        await insert_then_fail()
    async with database.transaction() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM things"))).scalar_one() == 0


async def test_waiting_for_another_writer_leaves_the_event_loop_free(database: Database, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "kohort.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO things (name) VALUES ('theirs')")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def mine() -> list[str]:
        async with database.transaction() as connection:
            await connection.execute(text("INSERT INTO things (name) VALUES ('mine')"))
            return list((await connection.execute(text("SELECT name FROM things ORDER BY id"))).scalars())

    ticker = asyncio.create_task(tick())
    waiting = asyncio.create_task(mine())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert ticks >= 10  # the loop kept turning while the transaction waited for the lock
    other.execute("COMMIT")
    assert await asyncio.wait_for(waiting, timeout=5) == ["theirs", "mine"]
    ticker.cancel()
    other.close()


async def test_a_writer_holding_the_lock_past_the_busy_timeout_fails_the_transaction(
    database: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "kohort.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def insert() -> None:
        async with database.transaction() as connection:
            await connection.execute(text("INSERT INTO things (name) VALUES ('mine')"))

    try:
        with pytest.raises(sqlalchemy.exc.OperationalError, match="database is locked"):
            await insert()
    finally:
        other.execute("ROLLBACK")
        other.close()
    await insert()  # the connection is usable again


async def test_the_connection_is_lent_in_the_order_it_was_asked_for(database: Database) -> None:
    """A task that gives the connection back and asks again at once queues behind those already waiting."""
    turns: list[str] = []
    asked = asyncio.Event()

    async def greedy() -> None:
        for _ in range(3):
            async with database.transaction() as connection:
                await connection.execute(text("SELECT 1"))
                turns.append("greedy")
                await asked.wait()

    async def patient(name: str) -> None:
        async with database.transaction() as connection:
            await connection.execute(text("SELECT 1"))
            turns.append(name)

    first = asyncio.create_task(greedy())
    await asyncio.sleep(0.05)
    others = [asyncio.create_task(patient(name)) for name in ("b", "c")]
    await asyncio.sleep(0.05)
    asked.set()
    await asyncio.gather(first, *others)
    assert turns == ["greedy", "b", "c", "greedy", "greedy"]


async def test_a_thread_of_its_own_checkpoints_the_log_and_stops_with_the_connection(tmp_path: Path) -> None:
    """Commits leave the write-ahead log to a checkpoint thread: what they wrote reaches the database
    file without any commit copying it there, and the thread goes when the pool closes its connection."""
    path = tmp_path / "checkpointed.db"
    threads_before = set(threading.enumerate())
    database = Database(f"sqlite:///{path}")
    async with database.transaction() as connection:
        await connection.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"))
    size_before = path.stat().st_size
    for _ in range(100):
        async with database.transaction() as connection:
            await connection.execute(text("INSERT INTO blobs (body) VALUES (randomblob(8000))"))
        async with database.transaction() as connection:
            # SQLite would checkpoint in a commit only past the fallback's 20 000 pages.
            assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 20_000
    for _ in range(100):
        if path.stat().st_size > size_before + 100 * 8000:
            break
        await asyncio.sleep(0.05)
    assert path.stat().st_size > size_before + 100 * 8000
    ours = [thread for thread in set(threading.enumerate()) - threads_before if thread.name == "sqlite-checkpoint"]
    assert len(ours) == 1
    await database.dispose()
    assert not ours[0].is_alive()


async def test_an_autocommit_write_waits_for_another_writer_without_blocking_the_loop(
    database: Database, tmp_path: Path
) -> None:
    # `Database.autocommit` sends no BEGIN: its write statement takes the write lock itself (the API key's
    # last use is recorded so), and must wait for it as a transaction's BEGIN IMMEDIATE does.
    async with database.transaction() as connection:  # the connection is set up (busy handler off)
        await connection.execute(text("INSERT INTO things (name) VALUES ('first')"))
    other = sqlite3.connect(tmp_path / "kohort.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def rename() -> int:
        async with database.autocommit() as connection:
            return (await connection.execute(text("UPDATE things SET name = 'renamed'"))).rowcount

    ticker = asyncio.create_task(tick())
    waiting = asyncio.create_task(rename())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert ticks >= 10
    other.execute("COMMIT")
    assert await asyncio.wait_for(waiting, timeout=5) == 1
    ticker.cancel()
    other.close()
    async with database.transaction() as connection:
        assert (await connection.execute(text("SELECT name FROM things"))).scalar_one() == "renamed"
