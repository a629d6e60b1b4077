"""Engines and the unit of work.

The whole application speaks SQLAlchemy Core over an `AsyncConnection`: the order hot path must do a
few hundred transactions a second on two cores, which the ORM unit of work cannot (bench/orders.py).
One transaction per request (`unit_of_work`) or per task/CLI command (`kohort.runtime.session_scope`);
services never commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import JSON, Table, bindparam, event, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from kohort.kit.listing import ListParams, order_clause, search_clause
from kohort.kit.sqlite import inline_dbapi


def async_url(url: str) -> str:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`, `postgresql://…` → `postgresql+asyncpg://…`."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"Unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def _configure_sqlite(engine: AsyncEngine) -> None:
    # SQLite upgrades a read lock to a write lock lazily and fails with SQLITE_BUSY when two
    # transactions race; BEGIN IMMEDIATE takes the write lock up front so writers queue instead.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # LIKE (search's `~` contains) is case-sensitive on PostgreSQL and in the original; SQLite's
        # default is case-insensitive, which made the same search answer differently per backend.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Connections lent by `Database.autocommit` run each statement in a transaction of its own (the
        # driver's autocommit): a lone read then takes no write lock.
        if not connection.get_execution_options().get(_AUTOCOMMIT_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# Marks the connections `Database.autocommit` lends on SQLite (SQLAlchemy's own AUTOCOMMIT level would
# set the driver's isolation level back to implicit BEGINs, and a PRAGMA, at every return to the pool).
_AUTOCOMMIT_OPTION = "kohort_autocommit"


# A database host that swallows packets would hold each request for asyncpg's default 60 s before the
# client hears 503; a healthy server connects in milliseconds.
CONNECT_TIMEOUT_SECONDS = 10.0


class Database:
    """One engine and the transactions opened on it."""

    def __init__(self, url: str, *, pool_size: int = 20, connect_timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
        self.url = url
        target = async_url(url)
        self.is_sqlite = target.startswith("sqlite")
        if self.is_sqlite:
            # One connection per process: SQLite runs one writer at a time anyway, and requests queue
            # fairly for the pool, whereas several connections wait for the write lock in SQLite's
            # busy handler, which sleeps in growing steps (p99 ~2 s at 32 clients with the default pool).
            # Statements run on the event loop's thread, not on aiosqlite's (see kohort.kit.sqlite).
            self.engine = create_async_engine(target, pool_size=1, max_overflow=0, module=inline_dbapi())
            _configure_sqlite(self.engine)
        else:
            self.engine = create_async_engine(
                target, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
                connect_args={"timeout": connect_timeout},
            )
        # The same pool, connections lent in autocommit mode (see `autocommit`).
        self._autocommit_engine = (
            self.engine.execution_options(**{_AUTOCOMMIT_OPTION: True}) if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # SQLite's one connection, lent in the order it was asked for. The pool's queue is not fair: a
        # task that returns the connection and asks again at once gets it before the task woken for it,
        # which then queues again at the end (p99 of 10 s at 32 clients, p50 16 ms). asyncio.Lock is.
        self._turns = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Commit on success, roll back on any error."""
        if self._turns is not None:
            async with self._turns, self.engine.begin() as connection:
                yield connection
            return
        async with self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a statement or two outside any request's transaction: each statement commits
        on its own, with no BEGIN and COMMIT round trips around a single read (on SQLite, a write statement
        takes the write lock for itself, and waits for it as a transaction's BEGIN does: kohort.kit.sqlite)."""
        if self._turns is not None:
            async with self._turns, self._autocommit_engine.connect() as connection:
                yield connection
            return
        async with self._autocommit_engine.connect() as connection:
            yield connection

    async def is_reachable(self) -> bool:
        """Whether the database answers a trivial query (the health probe)."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(select(1))
        except Exception:  # noqa: BLE001 - any failure to answer means "not reachable"
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def unit_of_work(request: Request) -> Any:
    """The request's transaction. Endpoints open it themselves so that the commit has happened before
    the response is rendered: a client never sees a 201 for a write that then failed to commit."""
    database: Database = request.app.state.runtime.database
    return database.transaction()


_IGNORING_INSERTS: dict[tuple[str, str, tuple[str, ...], bool], Any] = {}


def insert_ignoring_conflicts(
    connection: AsyncConnection, table: Table, index_elements: list[str], *, returning: bool = False
) -> Any:
    """`INSERT … ON CONFLICT (…) DO NOTHING` for the connection's dialect, `RETURNING` the whole row if asked.

    Built once per dialect and shape: pass the row as execution parameters, `execute(statement, values)`.
    On the order path, building and hashing a statement with its values bound costs more CPU than the
    database spends running it. `.values()` and `.returning()` return copies, so the shared statement
    is never changed by a caller."""
    key = (connection.dialect.name, table.name, tuple(index_elements), returning)
    statement = _IGNORING_INSERTS.get(key)
    if statement is None:
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = insert(table).on_conflict_do_nothing(index_elements=index_elements)
        if returning:
            statement = statement.returning(table)
        _IGNORING_INSERTS[key] = statement
    return statement


async def bulk_insert(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with the same keys. On PostgreSQL, one `INSERT … SELECT FROM unnest(arrays)`
    statement whatever the number of rows (one array parameter per column): an order of magnitude
    cheaper for the server than executing the INSERT once per row. Elsewhere, a plain executemany."""
    if not rows:
        return
    if connection.dialect.name != "postgresql" or any(isinstance(table.c[name].type, JSON) for name in rows[0]):
        await connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    first = rows[0]
    # A column with one value for every row (a timestamp, often the tenant) is bound once, not as an array.
    constant = [name for name in names if all(row[name] == first[name] for row in rows)]
    varying = [name for name in names if name not in constant]
    if not varying:
        await connection.execute(insert(table), rows)
        return
    arrays = [
        bindparam(f"bulk_{name}", [row[name] for row in rows], type_=ARRAY(table.c[name].type)) for name in varying
    ]
    source = func.unnest(*arrays).table_valued(*varying).render_derived(name="bulk")
    values = {name: source.c[name] for name in varying}
    values.update({name: bindparam(f"bulk_{name}", first[name], type_=table.c[name].type) for name in constant})
    await connection.execute(insert(table).from_select(names, select(*(values[name] for name in names))))


ValueT = TypeVar("ValueT")


async def fetch_page(
    connection: AsyncConnection,
    table: Table,
    *,
    columns: dict[str, Any],
    params: ListParams,
    conditions: list[Any],
    build: Callable[[Sequence[Any]], ValueT],
) -> tuple[list[ValueT], int]:
    """One page of a list endpoint: `conditions` (the tenant filter first) narrowed by `params.search`,
    ordered by `params` with the id as tiebreaker; with the total count of matching rows."""
    searched = search_clause(columns, params.search)
    where = [*conditions, *([searched] if searched is not None else [])]
    count = (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
    statement = (
        select(table)
        .where(*where)
        .order_by(*order_clause(columns, params, table.c.id))
        .limit(params.take)
        .offset(params.skip)
    )
    return [build(row) for row in (await connection.execute(statement)).all()], int(count)
