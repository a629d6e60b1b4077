"""SQLite for SQLAlchemy's asyncio engine without aiosqlite's thread.

aiosqlite runs each call on a thread of its own and hands the result back through the event loop: four
hops per statement (cursor, execute, fetch, close), each a thread wake-up, a GIL hand-over and a turn of
the loop. That costs far more CPU than SQLite spends on the statement (a lookup or an insert of a row
takes a few microseconds), and with one connection per process nothing runs in the meantime anyway.
This module offers the same dialect (`sqlite+aiosqlite`) with a DBAPI whose connections run `sqlite3`
right on the event loop's thread (`create_async_engine(url, module=inline_dbapi())`).

Only taking the write lock can wait: `BEGIN IMMEDIATE`, or a write outside a transaction, while another
connection (another process, the CLI) holds it. SQLite's busy handler would sleep on the event loop's
thread; instead the statement is tried without waiting and, while the lock is taken, tried again after an
asyncio sleep (1 ms, doubling up to 20 ms) until the busy timeout, so the event loop serves everything
else meanwhile.

Nor does a commit copy the write-ahead log back into the database file (a checkpoint): SQLite does it in
the commit that takes the log past 1000 pages, and waits there for its fsyncs, 15–40 ms of a stalled
event loop every 50 orders or so. A thread of the connection's own checkpoints instead, with a
connection of its own, every few dozen commits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_module
from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.util.concurrency import await_

# How long `BEGIN IMMEDIATE` may wait for another connection's write lock (sqlite3's `timeout`).
DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0
# Pauses between attempts at the write lock: short at first (another process's transaction takes about
# a millisecond), never long (SQLite's own handler reaches 100 ms, which shows as p99 latency).
_FIRST_RETRY_SECONDS = 0.001
_LONGEST_RETRY_SECONDS = 0.02
# Commits between two checkpoints (an order's transaction writes about 20 pages to the log).
_COMMITS_PER_CHECKPOINT = 32
# If the checkpoint thread cannot do its work, the committing connection still checkpoints, later.
_FALLBACK_AUTOCHECKPOINT_PAGES = 20_000


class _Checkpointer:
    """Checkpoints the write-ahead log when woken (`PRAGMA wal_checkpoint(PASSIVE)`: it copies what is
    committed and never waits for, nor blocks, a writer), on a thread and connection of its own. SQLite
    releases the GIL while it copies and syncs."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, args=(connect,), name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self, connect: Callable[[], sqlite3.Connection]) -> None:
        try:
            connection = connect()
        except sqlite3.Error:
            return  # the committing connection checkpoints (_FALLBACK_AUTOCHECKPOINT_PAGES)
        try:
            while True:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
                if self._stopped:
                    return
                # Busy: another connection checkpoints right now; the next turn catches up.
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()


class _InlineCursor:
    """A `sqlite3.Cursor` that reads a statement's rows when it runs, as SQLAlchemy's asyncio adapters
    do (a result is then read the same way on every backend, within the transaction or after it), and
    whose `BEGIN IMMEDIATE` waits for the write lock without blocking the event loop."""

    __slots__ = ("_connection", "_cursor", "_rows", "arraysize")

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection.sqlite.cursor()
        self._rows: collections.deque[Any] = collections.deque()
        self.arraysize = 1

    def execute(self, operation: str, parameters: Any = ()) -> Any:
        if operation == "BEGIN IMMEDIATE":
            return self._connection.begin_immediate(self._cursor)
        return await_(self._execute(operation, parameters))

    async def _execute(self, operation: str, parameters: Any) -> Any:
        # A coroutine that never suspends: SQLAlchemy's asyncio layer insists that each statement awaits
        # something (else it suspects a sync driver used by mistake); this costs two greenlet switches
        # and no turn of the event loop.
        if self._connection.sqlite.in_transaction:
            result = self._cursor.execute(operation, parameters)
        else:
            # Outside a transaction (`Database.autocommit`) a write takes the write lock itself, so it
            # may find it taken, as BEGIN IMMEDIATE may: it waits the same way.
            result = await self._connection.when_unlocked(lambda: self._cursor.execute(operation, parameters))
        if self._cursor.description is not None:
            self._rows = collections.deque(self._cursor.fetchall())
        return result

    def executemany(self, operation: str, parameters: Any) -> Any:
        return await_(self._executemany(operation, parameters))

    async def _executemany(self, operation: str, parameters: Any) -> Any:
        return self._cursor.executemany(operation, parameters)

    async def _async_soft_close(self) -> None:
        """The rows are read already (SQLAlchemy calls this on its asyncio adapters' cursors)."""

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(self.arraysize if size is None else size, len(rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def setinputsizes(self, *_: Any) -> None:
        pass

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()

    def __iter__(self) -> Any:
        while self._rows:
            yield self._rows.popleft()


class InlineConnection(AdaptedConnection):
    """The DBAPI connection SQLAlchemy's asyncio layer sees: a `sqlite3.Connection` used in place."""

    __slots__ = ("_checkpointer", "_commits", "_connect", "_sqlite", "_started", "busy_timeout", "dbapi")

    def __init__(self, dbapi: Any, connect: Callable[[], sqlite3.Connection], busy_timeout: float) -> None:
        self.dbapi = dbapi
        self._connect = connect
        self._sqlite = connect()
        self._connection = cast(Any, self._sqlite)  # `driver_connection`
        self.busy_timeout = busy_timeout
        self._checkpointer: _Checkpointer | None = None
        self._commits = 0
        self._started = False

    def _start(self) -> None:
        """At the first BEGIN, once the statements run at connect (the journal mode) are done: they may
        wait in SQLite's busy handler, nothing after them does."""
        self._started = True
        self.sqlite.execute("PRAGMA busy_timeout=0")
        if self.sqlite.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            self.sqlite.execute(f"PRAGMA wal_autocheckpoint={_FALLBACK_AUTOCHECKPOINT_PAGES}")
            self._checkpointer = _Checkpointer(self._connect)

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._sqlite

    def begin_immediate(self, cursor: sqlite3.Cursor) -> Any:
        if not self._started:
            self._start()
        try:
            return cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
        return await_(self.when_unlocked(lambda: cursor.execute("BEGIN IMMEDIATE"), waited=True))

    async def when_unlocked(self, attempt: Callable[[], Any], *, waited: bool = False) -> Any:
        """`attempt()`, tried again after asyncio sleeps while another connection holds the write lock
        (SQLITE_BUSY), until the busy timeout. `waited`: it was tried once already."""
        deadline = time.monotonic() + self.busy_timeout
        pause = _FIRST_RETRY_SECONDS
        while True:
            if waited:
                await asyncio.sleep(pause)
                pause = min(pause * 2, _LONGEST_RETRY_SECONDS)
            waited = True
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise

    def cursor(self, server_side: bool = False) -> _InlineCursor:
        return _InlineCursor(self)

    def execute(self, operation: str, parameters: Any = ()) -> _InlineCursor:
        cursor = self.cursor()
        cursor.execute(operation, parameters)
        return cursor

    @property
    def isolation_level(self) -> str | None:
        return self.sqlite.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.sqlite.isolation_level = cast(Any, value)

    @property
    def in_transaction(self) -> bool:
        return self.sqlite.in_transaction

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.sqlite.create_function(*args, **kwargs)

    def commit(self) -> None:
        self.sqlite.commit()
        self._commits += 1
        if self._checkpointer is not None and self._commits % _COMMITS_PER_CHECKPOINT == 0:
            self._checkpointer.wake()

    def rollback(self) -> None:
        self.sqlite.rollback()

    def close(self) -> None:
        self.sqlite.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    def terminate(self) -> None:
        self.close()


class InlineDBAPI(AsyncAdapt_dbapi_module):
    """What the aiosqlite dialect expects of its DBAPI module, with `connect` opening an `InlineConnection`."""

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.sqlite = sqlite3
        self.paramstyle = "qmark"
        self.has_stop = True
        for name in ("DatabaseError", "Error", "IntegrityError", "NotSupportedError", "OperationalError",
                     "ProgrammingError", "InterfaceError", "InternalError", "DataError", "Warning",
                     "sqlite_version", "sqlite_version_info", "PARSE_COLNAMES", "PARSE_DECLTYPES", "Binary"):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        kwargs.pop("async_creator_fn", None)
        busy_timeout = float(kwargs.get("timeout", DEFAULT_BUSY_TIMEOUT_SECONDS))
        kwargs["timeout"] = busy_timeout
        # SQLAlchemy may close a connection from another thread (garbage collection of a lost checkout).
        kwargs["check_same_thread"] = False
        return InlineConnection(self, lambda: sqlite3.connect(*args, **kwargs), busy_timeout)


def inline_dbapi() -> InlineDBAPI:
    return InlineDBAPI()
