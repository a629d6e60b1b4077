"""Checkout sessions and payment intents: the order intake under the original's deprecated names.

Nothing is stored for them: a session and a payment intent are views of one order, their ids derived
from the order's (order.domain), so they cannot disagree with it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.checkout.schemas import CheckoutSessionCreate, PaymentIntentCreate
from kohort.errors import Conflict, NotFound
from kohort.kit.listing import ListParams
from kohort.order import service as order_service
from kohort.order.domain import Order, order_id_of_session_share_id
from kohort.order.service import OrderIntake
from kohort.tenant import Tenant


class CheckoutSessionNotFound(NotFound):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Checkout session {reference} not found.", code="NOT_FOUND")


class PaymentIntentNotFound(NotFound):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Payment intent {reference} not found.", code="NOT_FOUND")


async def create_checkout_session(
    connection: AsyncConnection, tenant: Tenant, actor: str, data: CheckoutSessionCreate
) -> OrderIntake:
    """The plugins' paid order: the same intake as `POST /orders` (one transaction, the same customer
    resolution, join rules and error codes); a repeated shop order number replays the first session."""
    return await order_service.create_order(
        connection, tenant, actor, data.to_order_create(), success_url=data.success_url, cancel_url=data.cancel_url
    )


async def create_payment_intent(
    connection: AsyncConnection, tenant: Tenant, actor: str, data: PaymentIntentCreate
) -> OrderIntake:
    """The SDK's `paymentIntents.create`: the payment intent of the named checkout session (which has
    one already; replayed), or a new order reported under this name."""
    if data.checkout_session_id is None:
        return await order_service.create_order(connection, tenant, actor, data.to_order_create())
    order = await find_checkout_session(connection, tenant, data.checkout_session_id)
    if data.amount is not None and data.amount != order.amount:
        raise Conflict(
            f"Checkout session {data.checkout_session_id} already has a payment intent of another amount.",
            code="PAYMENT_INTENT_MISMATCH",
        )
    return OrderIntake(order=order, replayed=True)


async def find_checkout_session(connection: AsyncConnection, tenant: Tenant, reference: str) -> Order:
    """By the session's id (`cs_…`), its public id (`cs_test_…`), or the shop's order number."""
    order = await order_service.find_by_reference(connection, tenant, reference)
    if order is None:
        raise CheckoutSessionNotFound(reference)
    return order


async def find_payment_intent(connection: AsyncConnection, tenant: Tenant, reference: str) -> Order:
    """By the payment intent's id (`pi_…`), the order's, or the shop's order number."""
    order = await order_service.find_by_reference(connection, tenant, reference)
    if order is None:
        raise PaymentIntentNotFound(reference)
    return order


async def list_orders(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[Order], int]:
    """Every order of the tenant, for either view (search and orderBy use the order's field names)."""
    return await order_service.list_orders(connection, tenant, params)


async def find_by_session_share_id(connection: AsyncConnection, share_id: str) -> Order | None:
    """The order behind a session's public id, whatever its tenant: the id (80 random bits) is what the
    shopper's browser holds, as with the original's `/c/{id}` page. None when unknown."""
    named = order_id_of_session_share_id(share_id)
    if named is None:
        return None
    order = await order_service.find_any_tenant(connection, named[0])
    return order if order is not None and order.livemode == named[1] else None
