"""Queries for customers, always inside one tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.customer.domain import Customer, CustomerChanges
from kohort.db import fetch_page, insert_ignoring_conflicts
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import customers
from kohort.tenant import Tenant, tenant_scope

LIST_COLUMNS = wire_columns(customers, exclude=frozenset({"email_key"}))

# The order path's lookups, built once (see kohort.tenant.tenant_scope).
_BY_ID = select(customers).where(tenant_scope(customers), customers.c.id == bindparam("customer_id"))
_LIVE_BY_ID = _BY_ID.where(customers.c.deleted_at.is_(None))
_BY_EMAIL = select(customers).where(tenant_scope(customers), customers.c.email_key == bindparam("email_key"))
# PostgreSQL: insert unless the email exists, and return whichever row is there, in one round trip.
# The statement's parts share one snapshot, so the SELECT sees an existing row but never the one the
# CTE inserts: exactly one row comes back, or none if another transaction committed the same email
# after this snapshot.
_INSERTED = (
    postgresql_insert(customers)
    .values({column.name: bindparam(column.name, type_=column.type) for column in customers.c})
    .on_conflict_do_nothing(index_elements=["organization_id", "livemode", "email_key"])
    .returning(*customers.c)
    .cte("inserted")
)
_FIND_OR_INSERT_POSTGRESQL = union_all(
    select(_INSERTED),
    select(customers).where(tenant_scope(customers), customers.c.email_key == bindparam("existing_email_key")),
)


def email_key(email: str) -> str:
    return email.strip().lower()


def _customer(row: Sequence[Any] | None) -> Customer | None:
    return Customer.from_row(row) if row is not None else None


_COLUMN_NAMES = tuple(column.name for column in customers.columns)


def _values(customer: Customer) -> dict[str, Any]:
    """A new customer as the insert's parameters."""
    return {name: getattr(customer, name) for name in _COLUMN_NAMES}


async def get(
    connection: AsyncConnection, tenant: Tenant, customer_id: str, *, include_deleted: bool = False
) -> Customer | None:
    statement = _BY_ID if include_deleted else _LIVE_BY_ID
    return _customer((await connection.execute(statement, {**tenant.params(), "customer_id": customer_id})).first())


async def find_by_email(connection: AsyncConnection, tenant: Tenant, email: str) -> Customer | None:
    """Deleted customers included: a returning shopper brings theirs back."""
    parameters = {**tenant.params(), "email_key": email_key(email)}
    return _customer((await connection.execute(_BY_EMAIL, parameters)).first())


async def find_or_insert(connection: AsyncConnection, tenant: Tenant, new: Customer) -> Customer | None:
    """The tenant's customer with the email of `new` (deleted ones included), or `new` inserted if there
    is none. None when another transaction created them a moment ago: look again."""
    if connection.dialect.name == "postgresql":
        parameters = {**_values(new), **tenant.params(), "existing_email_key": new.email_key}
        return _customer((await connection.execute(_FIND_OR_INSERT_POSTGRESQL, parameters)).first())
    existing = await find_by_email(connection, tenant, new.email_address)
    return existing if existing is not None else await insert_unless_email_exists(connection, new)


async def insert_unless_email_exists(connection: AsyncConnection, new: Customer) -> Customer | None:
    """Insert, or return None when the tenant already has this email (the unique index decides)."""
    statement = insert_ignoring_conflicts(
        connection, customers, ["organization_id", "livemode", "email_key"], returning=True
    )
    return _customer((await connection.execute(statement, _values(new))).first())


async def update_customer(
    connection: AsyncConnection, tenant: Tenant, customer_id: str, changes: CustomerChanges
) -> Customer:
    statement = (
        update(customers)
        .where(tenant.owns(customers), customers.c.id == customer_id)
        .values(**changes)
        .returning(customers)
    )
    return Customer.from_row((await connection.execute(statement)).one())


async def lock(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> Customer | None:
    """The customer (deleted ones included), its row locked until commit (PostgreSQL): an erasure and
    an update of the same customer go one after the other."""
    statement = select(customers).where(tenant.owns(customers), customers.c.id == customer_id).with_for_update()
    return _customer((await connection.execute(statement)).first())


async def erase_once(
    connection: AsyncConnection, tenant: Tenant, customer_id: str, changes: CustomerChanges
) -> Customer | None:
    """Write the erasure, once: None when the customer was erased already (the conditional write decides)."""
    statement = (
        update(customers)
        .where(tenant.owns(customers), customers.c.id == customer_id, customers.c.erased_at.is_(None))
        .values(**changes)
        .returning(customers)
    )
    return _customer((await connection.execute(statement)).first())


async def email_taken_by_other(connection: AsyncConnection, tenant: Tenant, email: str, customer_id: str) -> bool:
    statement = select(customers.c.id).where(
        tenant.owns(customers), customers.c.email_key == email_key(email), customers.c.id != customer_id
    )
    return (await connection.execute(statement)).first() is not None


async def list_customers(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[Customer], int]:
    conditions = [tenant.owns(customers), customers.c.deleted_at.is_(None)]
    return await fetch_page(
        connection, customers, columns=LIST_COLUMNS, params=params, conditions=conditions, build=Customer.from_row
    )


async def get_many(connection: AsyncConnection, tenant: Tenant, customer_ids: set[str]) -> dict[str, Customer]:
    if not customer_ids:
        return {}
    statement = select(customers).where(tenant.owns(customers), customers.c.id.in_(customer_ids))
    found = (Customer.from_row(row) for row in (await connection.execute(statement)).all())
    return {customer.id: customer for customer in found}
