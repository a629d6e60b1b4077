"""SQLite for SQLAlchemy's asyncio engine without aiosqlite's thread.

aiosqlite runs each call on a thread of its own and hands the result back through the event loop: four
hops per statement (cursor, execute, fetch, close), each a thread wake-up, a GIL hand-over and a turn of
the loop. That costs far more CPU than SQLite spends on the statement (a lookup or an insert of a row
takes a few microseconds), and with one connection per process nothing runs in the meantime anyway.
This module offers the same dialect (`sqlite+aiosqlite`) with a DBAPI whose connections run `sqlite3`
right on the event loop's thread (`create_async_engine(url, module=inline_dbapi())`).

Only taking the write lock can wait: `BEGIN IMMEDIATE` while another connection (another process, the
CLI) holds it. SQLite's busy handler would sleep on the event loop's thread; instead the statement is
tried without waiting and, while the lock is taken, tried again after an asyncio sleep (1 ms, doubling up
to 20 ms) until the busy timeout, so the event loop serves everything else meanwhile.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
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
        result = self._cursor.execute(operation, parameters)
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

    __slots__ = ("_sleeps_in_sqlite", "_sqlite", "busy_timeout", "dbapi")

    def __init__(self, dbapi: Any, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self.dbapi = dbapi
        self._sqlite = connection
        self._connection = cast(Any, connection)  # `driver_connection`
        self.busy_timeout = busy_timeout
        # The statements run once at connect (journal mode) may wait in SQLite's busy handler; the first
        # BEGIN turns it off.
        self._sleeps_in_sqlite = True

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._sqlite

    def begin_immediate(self, cursor: sqlite3.Cursor) -> Any:
        if self._sleeps_in_sqlite:
            self.sqlite.execute("PRAGMA busy_timeout=0")
            self._sleeps_in_sqlite = False
        try:
            return cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
        return await_(self._wait_for_write_lock(cursor))

    async def _wait_for_write_lock(self, cursor: sqlite3.Cursor) -> Any:
        deadline = time.monotonic() + self.busy_timeout
        pause = _FIRST_RETRY_SECONDS
        while True:
            await asyncio.sleep(pause)
            try:
                return cursor.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            pause = min(pause * 2, _LONGEST_RETRY_SECONDS)

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

    def rollback(self) -> None:
        self.sqlite.rollback()

    def close(self) -> None:
        self.sqlite.close()

    def terminate(self) -> None:
        self.sqlite.close()


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
        return InlineConnection(self, sqlite3.connect(*args, **kwargs), busy_timeout)


def inline_dbapi() -> InlineDBAPI:
    return InlineDBAPI()
