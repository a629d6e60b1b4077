"""The migration that moves stored discount levels from the wire's camelCase to the internal snake_case,
run forward and back on a database holding rows written the old way, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from kohort.db import Database
from kohort.migrate import alembic_config
from kohort.models.base import JSONType, UTCDateTime
from tests.conftest import _create_postgres_database, _drop_postgres_database

CAMEL = [{"level": 1, "participantsToUnlock": 2, "value": 5}, {"level": 2, "participantsToUnlock": 4, "value": 9}]
SNAKE = [{"level": 1, "participants_to_unlock": 2, "value": 5}, {"level": 2, "participants_to_unlock": 4, "value": 9}]
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, type_) for column, type_ in columns))


ORGANIZATIONS = _table("organizations", ("id", sa.String), ("name", sa.String), ("api_version", sa.String),
                       ("acquisition_fee_basis_points", sa.Integer), ("created_at", UTCDateTime),
                       ("updated_at", UTCDateTime))
SETTINGS = _table("group_settings", ("id", sa.String), ("organization_id", sa.String), ("livemode", sa.Boolean),
                  ("discount_type", sa.String), ("discount_levels", JSONType), ("max_participants", sa.Integer),
                  ("minutes_duration", sa.Integer), ("min_purchase_value", sa.BigInteger),
                  ("created_at", UTCDateTime), ("updated_at", UTCDateTime))
CUSTOMERS = _table("customers", ("id", sa.String), ("organization_id", sa.String), ("livemode", sa.Boolean),
                   ("email_address", sa.String), ("email_key", sa.String), ("locale", sa.String),
                   ("is_blocked", sa.Boolean), ("created_at", UTCDateTime), ("updated_at", UTCDateTime))
GROUPS = _table("payment_groups", ("id", sa.String), ("organization_id", sa.String), ("livemode", sa.Boolean),
                ("share_id", sa.String), ("share_key", sa.String), ("customer_id", sa.String), ("status", sa.String),
                ("expires_at", UTCDateTime), ("reminder_email_sent", sa.String), ("participant_count", sa.Integer),
                ("settings_id", sa.String), ("discount_type", sa.String), ("discount_levels", JSONType),
                ("max_participants", sa.Integer), ("minutes_duration", sa.Integer),
                ("min_purchase_value", sa.BigInteger), ("created_at", UTCDateTime), ("updated_at", UTCDateTime))


@pytest.fixture(params=("sqlite", "postgresql"))
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    url = asyncio.run(_create_postgres_database())
    yield url
    asyncio.run(_drop_postgres_database(url))


async def _seed_old_rows(url: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as connection:
            await connection.execute(sa.insert(ORGANIZATIONS).values(
                id="org_1", name="Shop", api_version="2025-01-01", acquisition_fee_basis_points=1000,
                created_at=NOW, updated_at=NOW))
            await connection.execute(sa.insert(SETTINGS).values(
                id="pgset_1", organization_id="org_1", livemode=False, discount_type="PERCENTAGE",
                discount_levels=CAMEL, max_participants=15, minutes_duration=60, min_purchase_value=0,
                created_at=NOW, updated_at=NOW))
            await connection.execute(sa.insert(CUSTOMERS).values(
                id="cus_1", organization_id="org_1", livemode=False, email_address="a@example.com",
                email_key="a@example.com", locale="fr_FR", is_blocked=False, created_at=NOW, updated_at=NOW))
            await connection.execute(sa.insert(GROUPS).values(
                id="pg_1", organization_id="org_1", livemode=False, share_id="KH-1", share_key="KH-1",
                customer_id="cus_1", status="OPEN", expires_at=NOW, reminder_email_sent="NOT_SENT",
                participant_count=1, settings_id="pgset_2", discount_type="PERCENTAGE", discount_levels=CAMEL,
                max_participants=15, minutes_duration=60, min_purchase_value=0, created_at=NOW, updated_at=NOW))
    finally:
        await database.dispose()


async def _stored_levels(url: str) -> tuple[Any, Any]:
    database = Database(url)
    try:
        async with database.transaction() as connection:
            settings = (await connection.execute(sa.select(SETTINGS.c.discount_levels))).scalar_one()
            group = (await connection.execute(sa.select(GROUPS.c.discount_levels))).scalar_one()
        return settings, group
    finally:
        await database.dispose()


def test_levels_are_converted_to_snake_case_and_back(empty_url: str) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0003")
    asyncio.run(_seed_old_rows(empty_url))

    command.upgrade(config, "0004")
    assert asyncio.run(_stored_levels(empty_url)) == (SNAKE, SNAKE)

    command.downgrade(config, "0003")
    assert asyncio.run(_stored_levels(empty_url)) == (CAMEL, CAMEL)
