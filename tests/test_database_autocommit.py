"""`Database.autocommit`: each statement commits on its own, on both backends, and on SQLite a read takes
no write lock (the API key lookup of every request runs there)."""

from __future__ import annotations

from sqlalchemy import select, update

from kohort.db import Database
from kohort.models import organizations
from kohort.organization import service as organization_service


async def _name(database: Database, organization_id: str) -> str:
    async with database.transaction() as connection:
        return str((await connection.execute(
            select(organizations.c.name).where(organizations.c.id == organization_id))).scalar_one())


async def test_each_statement_commits_on_its_own(database: Database) -> None:
    async with database.transaction() as connection:
        created = await organization_service.create_organization(connection, name="Autocommit shop")
    other = Database(database.url, pool_size=1)  # another connection, even where the pool holds one
    try:
        async with database.autocommit() as connection:
            await connection.execute(
                update(organizations).where(organizations.c.id == created.id).values(name="Renamed shop"))
            # Seen by another connection before the block ends: committed by the statement itself.
            assert await _name(other, created.id) == "Renamed shop"
    finally:
        await other.dispose()


async def test_a_read_does_not_wait_for_a_writer(database: Database) -> None:
    async with database.transaction() as connection:
        created = await organization_service.create_organization(connection, name="Busy shop")
    other = Database(database.url, pool_size=1)
    try:
        # A transaction of another connection holds SQLite's write lock (BEGIN IMMEDIATE) meanwhile.
        async with other.transaction() as writer:
            await writer.execute(
                update(organizations).where(organizations.c.id == created.id).values(name="Busy shop, renamed"))
            async with database.autocommit() as connection:
                name = (await connection.execute(
                    select(organizations.c.name).where(organizations.c.id == created.id))).scalar_one()
        assert name == "Busy shop"  # what was committed when it read
    finally:
        await other.dispose()
