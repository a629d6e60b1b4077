"""Customer use cases. `actor` is the id of the API key acting, recorded in createdBy/updatedBy."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.customer import repository
from kohort.customer.domain import Customer, CustomerChanges
from kohort.customer.schemas import CustomerCreate, CustomerUpdate
from kohort.errors import Conflict, KohortError, NotFound
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.tenant import Tenant

DEFAULT_LOCALE = "fr_FR"


def _not_found(customer_id: str) -> NotFound:
    return NotFound(f"Customer {customer_id} not found.")


async def get_customer(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> Customer:
    customer = await repository.get(connection, tenant, customer_id)
    if customer is None:
        raise _not_found(customer_id)
    return customer


def _new_customer(
    tenant: Tenant,
    actor: str,
    *,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
    phone_number: str | None = None,
    locale: str | None = None,
    client_reference_id: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Customer:
    now = clock.now()
    return Customer(
        id=new_id("cus"),
        organization_id=tenant.organization_id,
        livemode=tenant.livemode,
        email_address=email,
        email_key=repository.email_key(email),
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
        locale=locale or DEFAULT_LOCALE,
        is_blocked=False,
        blocked_at=None,
        blocked_by=None,
        client_reference_id=client_reference_id,
        metadata=metadata,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        deleted_at=None,
        erased_at=None,
        erased_by=None,
    )


async def create_customer(connection: AsyncConnection, tenant: Tenant, actor: str, data: CustomerCreate) -> Customer:
    email = str(data.email_address)
    created = await repository.insert_unless_email_exists(connection, _new_customer(
        tenant, actor, email=email, first_name=data.first_name, last_name=data.last_name,
        phone_number=data.phone_number, locale=data.locale, client_reference_id=data.client_reference_id,
        metadata=data.metadata,
    ))
    if created is not None:
        return created
    existing = await repository.find_by_email(connection, tenant, email)
    if existing is None or not existing.is_deleted:
        raise Conflict(
            f"A customer with email {data.email_address} already exists.", code="CUSTOMER_ALREADY_EXISTS"
        )
    # A deleted customer is invisible, so re-creating them brings them back with the new details (those
    # given; the others stay).
    changes: CustomerChanges = {
        "email_address": email, "deleted_at": None, "updated_at": clock.now(), "updated_by": actor
    }
    if data.first_name is not None:
        changes["first_name"] = data.first_name
    if data.last_name is not None:
        changes["last_name"] = data.last_name
    if data.phone_number is not None:
        changes["phone_number"] = data.phone_number
    if data.metadata is not None:
        changes["metadata"] = data.metadata
    if data.locale is not None:
        changes["locale"] = data.locale
    if data.client_reference_id is not None:
        changes["client_reference_id"] = data.client_reference_id
    return await repository.update_customer(connection, tenant, existing.id, changes)


async def update_customer(
    connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str, data: CustomerUpdate
) -> Customer:
    await get_customer(connection, tenant, customer_id)
    sent = data.model_fields_set
    changes: CustomerChanges = {"updated_at": clock.now(), "updated_by": actor}
    if "email_address" in sent:
        if data.email_address is None:
            raise KohortError("emailAddress cannot be removed.", code="VALIDATION_ERROR")
        email = str(data.email_address)
        if await repository.email_taken_by_other(connection, tenant, email, customer_id):
            raise Conflict(f"A customer with email {email} already exists.", code="CUSTOMER_ALREADY_EXISTS")
        changes["email_address"] = email
        changes["email_key"] = repository.email_key(email)
    # Sent as null, these clear the value; the locale cannot be cleared (null keeps it).
    if "first_name" in sent:
        changes["first_name"] = data.first_name
    if "last_name" in sent:
        changes["last_name"] = data.last_name
    if "phone_number" in sent:
        changes["phone_number"] = data.phone_number
    if "metadata" in sent:
        changes["metadata"] = data.metadata
    if "client_reference_id" in sent:
        changes["client_reference_id"] = data.client_reference_id
    if "locale" in sent and data.locale is not None:
        changes["locale"] = data.locale
    return await repository.update_customer(connection, tenant, customer_id, changes)


async def delete_customer(connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str) -> Customer:
    """Soft delete: hidden from reads until an order or a create with the same email brings them back."""
    await get_customer(connection, tenant, customer_id)
    now = clock.now()
    changes: CustomerChanges = {"deleted_at": now, "updated_at": now, "updated_by": actor}
    return await repository.update_customer(connection, tenant, customer_id, changes)


async def set_blocked(
    connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str, *, blocked: bool
) -> Customer:
    await get_customer(connection, tenant, customer_id)
    now = clock.now()
    changes: CustomerChanges = {
        "is_blocked": blocked,
        "blocked_at": now if blocked else None,
        "blocked_by": actor if blocked else None,
        "updated_at": now,
        "updated_by": actor,
    }
    return await repository.update_customer(connection, tenant, customer_id, changes)


async def list_customers(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[Customer], int]:
    return await repository.list_customers(connection, tenant, params)


def _refuse_blocked(customer: Customer) -> None:
    if customer.is_erased:
        raise KohortError(f"Customer {customer.id} was erased; a new order names the shopper anew.",
                          code="CUSTOMER_ERASED")
    if customer.is_blocked:
        raise KohortError(f"Customer {customer.id} is blocked.", code="CUSTOMER_BLOCKED")


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
) -> Customer:
    """The order's customer: by id, or by email (found, restored if deleted, or created when names are
    given). Blocked customers are refused whichever way they were named (the original skipped the
    check for ids)."""
    if customer_id:
        found = await repository.get(connection, tenant, customer_id)
        if found is None:
            raise _not_found(customer_id)
        # The order copies the request's email; it must not name someone else than the customer.
        if email and repository.email_key(email) != found.email_key:
            raise KohortError(
                f"customerEmail does not match the email of customer {customer_id}.", code="CUSTOMER_MISMATCH"
            )
        _refuse_blocked(found)
        return found
    if not email:
        raise KohortError("Either customerEmail or customerId must be provided.", code="CUSTOMER_REQUIRED")
    if first_name and last_name:
        customer = await repository.find_or_insert(connection, tenant, _new_customer(
            tenant, actor, email=email, first_name=first_name, last_name=last_name, phone_number=phone_number,
            locale=locale,
        ))
        if customer is None:
            # Another request created them a moment ago; use theirs.
            customer = await repository.find_by_email(connection, tenant, email)
            if customer is None:
                raise KohortError("The customer could not be resolved; retry the request.", code="CONFLICT")
    else:
        customer = await repository.find_by_email(connection, tenant, email)
        if customer is None:
            raise KohortError(
                f"No customer with email {email} yet: customerFirstName and customerLastName are needed to create one.",
                code="CUSTOMER_NAME_REQUIRED",
            )
    # A customer created just now passes these checks unchanged.
    _refuse_blocked(customer)
    changes: CustomerChanges = {}
    if customer.is_deleted:
        changes["deleted_at"] = None
    if phone_number and phone_number != customer.phone_number:
        changes["phone_number"] = phone_number
    if changes:
        changes["updated_at"] = clock.now()
        changes["updated_by"] = actor
        customer = await repository.update_customer(connection, tenant, customer.id, changes)
    return customer


async def get_customers(connection: AsyncConnection, tenant: Tenant, customer_ids: set[str]) -> dict[str, Customer]:
    """Several customers at once, for `expand` (one query, not one per row)."""
    return await repository.get_many(connection, tenant, customer_ids)
