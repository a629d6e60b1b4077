"""Customer use cases. `actor` is the id of the API key acting, recorded in createdBy/updatedBy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.customer import repository
from kohort.customer.schemas import Customer, CustomerCreate, CustomerUpdate
from kohort.errors import Conflict, KohortError, NotFound
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.tenant import Tenant

DEFAULT_LOCALE = "fr_FR"


def to_customer(row: RowMapping) -> Customer:
    return Customer.model_validate(dict(row))


def _not_found(customer_id: str) -> NotFound:
    return NotFound(f"Customer {customer_id} not found.")


async def get_customer(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> RowMapping:
    row = await repository.get(connection, tenant, customer_id)
    if row is None:
        raise _not_found(customer_id)
    return row


def _new_row(tenant: Tenant, actor: str, *, email: str, fields: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": new_id("cus"),
        **tenant.stamp(),
        "email_address": email,
        "email_key": repository.email_key(email),
        "first_name": fields.get("first_name"),
        "last_name": fields.get("last_name"),
        "phone_number": fields.get("phone_number"),
        "locale": fields.get("locale") or DEFAULT_LOCALE,
        "is_blocked": False,
        "blocked_at": None,
        "blocked_by": None,
        "client_reference_id": fields.get("client_reference_id"),
        "metadata": fields.get("metadata"),
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
        "deleted_at": None,
    }


async def create_customer(connection: AsyncConnection, tenant: Tenant, actor: str, data: CustomerCreate) -> RowMapping:
    fields = data.model_dump(exclude={"email_address"})
    row = await repository.insert_unless_email_exists(
        connection, _new_row(tenant, actor, email=str(data.email_address), fields=fields)
    )
    if row is not None:
        return row
    existing = await repository.find_by_email(connection, tenant, str(data.email_address))
    if existing is None or existing["deleted_at"] is None:
        raise Conflict(
            f"A customer with email {data.email_address} already exists.", code="CUSTOMER_ALREADY_EXISTS"
        )
    # A deleted customer is invisible, so re-creating them brings them back with the new details.
    changes = {key: value for key, value in fields.items() if value is not None}
    return await repository.update_customer(
        connection,
        tenant,
        existing["id"],
        {**changes, "email_address": str(data.email_address), "deleted_at": None, "updated_at": clock.now(),
         "updated_by": actor},
    )


async def update_customer(
    connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str, data: CustomerUpdate
) -> RowMapping:
    await get_customer(connection, tenant, customer_id)
    changes = data.model_dump(exclude_unset=True)
    if "email_address" in changes:
        if changes["email_address"] is None:
            raise KohortError("emailAddress cannot be removed.", code="VALIDATION_ERROR")
        email = str(changes["email_address"])
        if await repository.email_taken_by_other(connection, tenant, email, customer_id):
            raise Conflict(f"A customer with email {email} already exists.", code="CUSTOMER_ALREADY_EXISTS")
        changes["email_address"] = email
        changes["email_key"] = repository.email_key(email)
    if "locale" in changes and changes["locale"] is None:
        del changes["locale"]
    return await repository.update_customer(
        connection, tenant, customer_id, {**changes, "updated_at": clock.now(), "updated_by": actor}
    )


async def delete_customer(connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str) -> RowMapping:
    """Soft delete: hidden from reads until an order or a create with the same email brings them back."""
    await get_customer(connection, tenant, customer_id)
    now = clock.now()
    return await repository.update_customer(
        connection, tenant, customer_id, {"deleted_at": now, "updated_at": now, "updated_by": actor}
    )


async def set_blocked(
    connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str, *, blocked: bool
) -> RowMapping:
    await get_customer(connection, tenant, customer_id)
    now = clock.now()
    values: dict[str, Any] = {
        "is_blocked": blocked,
        "blocked_at": now if blocked else None,
        "blocked_by": actor if blocked else None,
        "updated_at": now,
        "updated_by": actor,
    }
    return await repository.update_customer(connection, tenant, customer_id, values)


async def list_customers(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[RowMapping], int]:
    return await repository.list_customers(connection, tenant, params)


def _refuse_blocked(row: RowMapping) -> None:
    if row["is_blocked"]:
        raise KohortError(f"Customer {row['id']} is blocked.", code="CUSTOMER_BLOCKED")


async def resolve_for_order(
    connection: AsyncConnection,
    tenant: Tenant,
    actor: str,
    *,
    customer_id: str | None,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    phone_number: str | None,
    locale: str | None,
) -> RowMapping:
    """The order's customer: by id, or by email (found, restored if deleted, or created when names are
    given). Blocked customers are refused whichever way they were named (the original skipped the
    check for ids)."""
    if customer_id:
        row = await repository.get(connection, tenant, customer_id)
        if row is None:
            raise _not_found(customer_id)
        # The order copies the request's email; it must not name someone else than the customer.
        if email and repository.email_key(email) != row["email_key"]:
            raise KohortError(
                f"customerEmail does not match the email of customer {customer_id}.", code="CUSTOMER_MISMATCH"
            )
        _refuse_blocked(row)
        return row
    if not email:
        raise KohortError("Either customerEmail or customerId must be provided.", code="CUSTOMER_REQUIRED")
    if first_name and last_name:
        fields = {"first_name": first_name, "last_name": last_name, "phone_number": phone_number, "locale": locale}
        row = await repository.find_or_insert(connection, tenant, _new_row(tenant, actor, email=email, fields=fields))
        if row is None:
            # Another request created them a moment ago; use theirs.
            row = await repository.find_by_email(connection, tenant, email)
            if row is None:
                raise KohortError("The customer could not be resolved; retry the request.", code="CONFLICT")
    else:
        row = await repository.find_by_email(connection, tenant, email)
        if row is None:
            raise KohortError(
                f"No customer with email {email} yet: customerFirstName and customerLastName are needed to create one.",
                code="CUSTOMER_NAME_REQUIRED",
            )
    # A customer created just now passes these checks unchanged.
    _refuse_blocked(row)
    changes: dict[str, Any] = {}
    if row["deleted_at"] is not None:
        changes["deleted_at"] = None
    if phone_number and phone_number != row["phone_number"]:
        changes["phone_number"] = phone_number
    if changes:
        row = await repository.update_customer(
            connection, tenant, row["id"], {**changes, "updated_at": clock.now(), "updated_by": actor}
        )
    return row


async def get_customers(connection: AsyncConnection, tenant: Tenant, customer_ids: set[str]) -> dict[str, RowMapping]:
    """Several customers at once, for `expand` (one query, not one per row)."""
    return await repository.get_many(connection, tenant, customer_ids)
