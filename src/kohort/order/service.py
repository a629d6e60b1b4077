"""Order intake (BEHAVIOUR.md §4, its defects fixed). The whole request is one transaction: a refused
order leaves nothing behind, not even the customer it would have created."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback.fees import application_fee
from kohort.customer import service as customer_service
from kohort.errors import Conflict, KohortError, NotFound
from kohort.events import loaders
from kohort.events import service as events
from kohort.events.domain import DomainEvent, GroupCreated, GroupJoined, LevelUnlocked, OrderCreated
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.models import GroupStatus, OrderStatus
from kohort.order import repository
from kohort.order.domain import Order, order_id_named_by
from kohort.order.schemas import Order as WireOrder
from kohort.order.schemas import OrderCreate, to_wire_order
from kohort.organization import service as organization_service
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import ReferralGroup
from kohort.referral_group.schemas import PaymentGroupCreate, to_wire_group
from kohort.reporting import service as reporting_service
from kohort.tenant import Tenant

# A reference longer than any id or client reference id cannot name an order (and is not worth a query).
MAX_REFERENCE_LENGTH = 100


@dataclass(frozen=True)
class OrderIntake:
    order: Order
    # True when the request repeated an earlier one (same clientReferenceId, same amount): the
    # existing order is returned instead of a second one, so a shop hook firing twice is harmless.
    replayed: bool
    # The new order as the API shows it, built once for its `order.created` event and the response.
    wire: WireOrder | None = None

    def wire_order(self) -> WireOrder:
        return self.wire or to_wire_order(self.order)


def _order_locale(requested: str | None, customer_locale: str | None) -> str:
    locale = requested or customer_locale or customer_service.DEFAULT_LOCALE
    return "en_US" if locale == "en_GB" else locale  # orders carry en_US for British English (§1.5)


async def create_order(
    connection: AsyncConnection,
    tenant: Tenant,
    actor: str,
    data: OrderCreate,
    *,
    success_url: str | None = None,
    cancel_url: str | None = None,
) -> OrderIntake:
    """The one order intake, whichever resource reports the order (`/orders`, `/checkout-sessions`,
    `/payment-intents`); the return URLs come from the plugins' checkout sessions only."""
    if data.client_reference_id:
        existing = await repository.find_by_client_reference(connection, tenant, data.client_reference_id)
        if existing is not None:
            if existing.amount != data.amount:
                raise Conflict(
                    f"Order with client reference id {data.client_reference_id} already exists with another amount.",
                    code="CLIENT_REFERENCE_ID_ALREADY_USED",
                )
            return OrderIntake(order=existing, replayed=True)

    email = str(data.customer_email) if data.customer_email else None
    customer = await customer_service.resolve_for_order(
        connection,
        tenant,
        actor,
        customer_id=data.customer_id,
        email=email,
        first_name=data.customer_first_name,
        last_name=data.customer_last_name,
        phone_number=data.customer_phone_number,
        locale=data.locale,
    )

    application_fee_amount = 0  # the owner's own order carries no fee (§7.1)
    fee_basis_points: int | None = None
    if data.payment_group_share_id:
        joined = await group_service.join_group(
            connection,
            tenant,
            data.payment_group_share_id,
            customer_id=customer.id,
            customer_email=customer.email_address,
            amount=data.amount,
        )
        group = joined.group
        # Fixed at join, as the original: the order is final from here and the merchant sees its fee
        # in the 201; the ledger records it when the group completes (every joined group does).
        fee_basis_points = joined.acquisition_fee_basis_points
        application_fee_amount = application_fee(data.amount, fee_basis_points=fee_basis_points)
    else:
        settings = await organization_service.get_group_settings(connection, tenant)
        if data.amount < settings.min_purchase_value:
            raise KohortError(
                f"Amount {data.amount} is below the minimum purchase value of {settings.min_purchase_value}.",
                code="AMOUNT_TOO_LOW",
            )
        # As in the original, a group opened by an order is recorded as created by its owner.
        group = await group_service.open_group(
            connection, tenant, customer.id, owner_id=customer.id, owner_email=customer.email_address,
            settings=settings,
        )

    now = clock.now()
    order = await repository.insert_order(
        connection,
        {
            "id": new_id("ord"),
            **tenant.stamp(),
            "amount": data.amount,
            "amount_cashback": None,
            "application_fee_amount": application_fee_amount,
            "customer_email": email,
            "customer_first_name": data.customer_first_name,
            "customer_last_name": data.customer_last_name,
            "customer_phone_number": data.customer_phone_number,
            # Filled for the owner's order too, so the merchant can show the share code at once.
            "payment_group_share_id": group.share_id,
            "customer_id": customer.id,
            "currency": "EUR",
            "locale": _order_locale(data.locale, customer.locale),
            "status": OrderStatus.CREATED,
            "metadata": data.metadata,
            "payment_group_id": group.id,
            "ambassador_id": None,
            "client_reference_id": data.client_reference_id,
            "risk_level": "LOW",
            "created_at": now,
            "created_by": actor,
            "updated_at": now,
            "updated_by": actor,
            "amount_refunded": 0,
            "application_fee_basis_points": fee_basis_points,
            "cashback_available_at": None,
            "line_items": [item.to_line_item().to_stored() for item in data.line_items] if data.line_items else None,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "cashback_netted": 0,
        },
    )
    happened: list[DomainEvent] = []
    if data.payment_group_share_id:
        wire_group = to_wire_group(group)
        happened.append(GroupJoined(wire_group, order_id=order.id))
        if group.ladder.unlocked_at(group.participant_count) is not None:
            happened.append(LevelUnlocked(wire_group, order_id=order.id))
    else:
        happened.append(GroupCreated(to_wire_group(group), order_id=order.id))
    wire = to_wire_order(order)
    happened.append(OrderCreated(wire))
    # The shopper emails are the email consumer's, from these events (`order_id` says whose order it was).
    await events.record_events(connection, happened)
    return OrderIntake(order=order, replayed=False, wire=wire)


async def get_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order:
    order = await repository.get(connection, tenant, order_id)
    if order is None:
        raise NotFound(f"Order {order_id} not found.")
    return order


async def find_by_reference(connection: AsyncConnection, tenant: Tenant, reference: str) -> Order | None:
    """The order an installed client names: its id, its payment intent's or checkout session's id
    (`pi_…`, `cs_…`, `cs_test_…`), or the shop's own order number (client reference id)."""
    reference = reference.strip()
    if not reference or len(reference) > MAX_REFERENCE_LENGTH:
        return None
    order_id = order_id_named_by(reference)
    order = await repository.get(connection, tenant, order_id) if order_id else None
    return order or await repository.find_by_client_reference(connection, tenant, reference)


async def get_by_reference(connection: AsyncConnection, tenant: Tenant, reference: str) -> Order:
    order = await find_by_reference(connection, tenant, reference)
    if order is None:
        raise NotFound(f"Order {reference} not found.")
    return order


async def list_orders(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[Order], int]:
    return await repository.list_orders(connection, tenant, params)


async def list_group_orders(
    connection: AsyncConnection, tenant: Tenant, reference: str, params: ListParams
) -> tuple[list[Order], int]:
    """The seed's "List all orders in a group": the group's orders, of this tenant only."""
    group = await group_service.get_group(connection, tenant, reference)
    return await repository.list_orders(connection, tenant, params, group_id=group.id)


async def open_group_for_order(
    connection: AsyncConnection, tenant: Tenant, actor: str, data: PaymentGroupCreate
) -> ReferralGroup:
    """`POST /groups`: a new group for a customer around one of their orders that is in no live group
    (no group at all, or one that was canceled or expired without cashback)."""
    customer = await customer_service.get_customer(connection, tenant, data.customer_id)
    order = await get_by_reference(connection, tenant, data.order_reference)
    if order.customer_id != customer.id:
        raise KohortError(f"Order {order.id} does not belong to customer {customer.id}.", code="ORDER_MISMATCH")
    if order.payment_group_id is not None:
        current = await group_service.get_group(connection, tenant, order.payment_group_id)
        if current.status not in (GroupStatus.CANCELED, GroupStatus.EXPIRED):
            raise Conflict(
                f"Order {order.id} is already in group {current.id} ({current.status}).",
                code="ORDER_ALREADY_IN_GROUP",
            )
    settings = await organization_service.get_group_settings(connection, tenant)
    expires_at = group_service.check_explicit_end(data.expires_at, clock.now()) if data.expires_at else None
    group = await group_service.open_group(
        connection, tenant, actor, owner_id=customer.id, owner_email=customer.email_address, settings=settings,
        metadata=data.metadata, expires_at=expires_at,
    )
    values: dict[str, Any] = {"updated_at": clock.now(), "updated_by": actor}
    await repository.move_to_group(connection, tenant, order.id, group_id=group.id, share_id=group.share_id, values=values)
    if order.payment_group_id is not None:
        # It may have joined someone else's group before: its day's referred orders change.
        await reporting_service.forget_order_day(connection, tenant, order.created_at)
    if order.payment_group_id is not None:
        await group_service.release_seat(connection, tenant, order.payment_group_id)
    await events.record_event(connection, GroupCreated(to_wire_group(group)))
    return group


async def orders_of_group(connection: AsyncConnection, tenant: Tenant, group_id: str) -> list[Order]:
    return await repository.orders_of_group(connection, tenant, group_id)


async def orders_of_groups(connection: AsyncConnection, group_ids: list[str]) -> list[Order]:
    """The orders of settled groups, whatever their tenants (the ids come from the settling transaction)."""
    return await repository.orders_of_groups(connection, group_ids)


@dataclass(frozen=True)
class WithdrawableFilter:
    """Which orders whose cashback waits to be withdrawn: one order, a group's, or those whose cashback
    became available (or changed) since a moment; none set means every one."""

    order_id: str | None = None
    group_id: str | None = None
    since: datetime | None = None


async def count_withdrawable(connection: AsyncConnection, chosen: WithdrawableFilter) -> int:
    return await repository.count_withdrawable(
        connection, order_id=chosen.order_id, group_id=chosen.group_id, since=chosen.since
    )


async def withdrawable_page(
    connection: AsyncConnection, chosen: WithdrawableFilter, *, after: str, limit: int
) -> list[tuple[str, Tenant]]:
    """The next `limit` chosen orders by id after `after`, with their tenants (they span organizations)."""
    rows = await repository.withdrawable_page(connection, order_id=chosen.order_id, group_id=chosen.group_id,
                                              since=chosen.since, after=after, limit=limit)
    return [(order_id, Tenant(organization_id, livemode)) for order_id, organization_id, livemode in rows]


async def find_any_tenant(connection: AsyncConnection, order_id: str) -> Order | None:
    """The order a shopper's withdrawal link names, whatever its tenant (None when unknown)."""
    if not order_id.startswith("ord_") or len(order_id) > 40:
        return None
    return await repository.find_any_tenant(connection, order_id)


async def start_withdrawal(
    connection: AsyncConnection, tenant: Tenant, order_id: str, *, token_hash: str
) -> Order | None:
    return await repository.start_withdrawal(connection, tenant, order_id, token_hash=token_hash, now=clock.now())


async def finish_withdrawals(connection: AsyncConnection, tenant: Tenant, order_ids: list[str]) -> list[Order]:
    return await repository.finish_withdrawals(connection, tenant, order_ids, now=clock.now())


async def reopen_withdrawal(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order | None:
    return await repository.reopen_withdrawal(connection, tenant, order_id, now=clock.now())


async def find(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order | None:
    return await repository.get(connection, tenant, order_id)


async def get_orders(connection: AsyncConnection, tenant: Tenant, order_ids: set[str]) -> dict[str, Order]:
    return await repository.get_many(connection, tenant, order_ids)


@loaders.provides("order")
async def orders_for_events(connection: AsyncConnection, order_ids: Sequence[str]) -> list[WireOrder]:
    """Orders as the API shows them, whatever their tenants (for events of bulk changes, e.g. settlement)."""
    return [to_wire_order(order) for order in await repository.orders_by_ids(connection, order_ids)]


async def lock_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order:
    """The order, locked until the transaction ends (404 if it is not this tenant's)."""
    order = await repository.lock(connection, tenant, order_id)
    if order is None:
        raise NotFound(f"Order {order_id} not found.")
    return order


async def add_refund(
    connection: AsyncConnection, tenant: Tenant, actor: str, order: Order, *, amount: int
) -> Order | None:
    """Refund `amount` more of the order; its acquisition fee follows the net amount, at the rate it joined
    with (an owner's order has none). None when that would refund more than the order's amount."""
    net = order.amount - order.amount_refunded - amount
    fee = (application_fee(max(net, 0), fee_basis_points=order.application_fee_basis_points)
           if order.application_fee_basis_points is not None else order.application_fee_amount)
    return await repository.add_refund(connection, tenant, order.id, amount=amount, application_fee_amount=fee,
                                       actor=actor, now=clock.now())
