"""Refunding an order (issue 10), in one transaction, exactly once.

What a refund changes depends on where the order's group stands:

* open (before its end): the order counts on its net amount; refunded in full it is no participant any
  more, its seat is freed and the group's level follows. Its acquisition fee follows the net amount.
* completed, cashback held: the group is still settling; the level is recomputed for every member, each
  member's cashback with it, and the ledger records the differences.
* completed, cashback released: only the refunding shopper's cashback changes (the others keep what they
  were promised). Not withdrawn yet, it is reduced; already paid or in a transfer under way, the
  difference becomes a receivable on the shopper, deducted from their next cashback with this merchant.

A withdrawal in progress (the order CASHBACK_PROCESSING, its payout pending or in an exported batch the
bank has not confirmed): the payout is never edited, since the bank file may already be on its way and a
transfer cannot be called back from here. The refund records the cut as a receivable instead, so the
shopper is paid no more than is due in the end: if the bank pays, the debt (`cashbackOwed`) is deducted
from their next cashback with this merchant; if the payout fails, the cashback that comes back pays the
debt first (withdrawal.service.fail_payout), and the new link withdraws only what is left. A refund and a
withdrawal of the same order serialize on the order's row: whichever writes first, the other sees it
(refund first: less to withdraw; withdrawal first: a receivable).

Concurrency: the refund locks the order's group, then the order, the same order of locks as joins,
settlement and the hold's end, so a refund and any of them are serialized whole; the order's refunded
total only grows by a conditional write bounded by its amount, so two refunds can never exceed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback import service as cashback_service
from kohort.cashback.service import CashbackChange
from kohort.checkout import service as checkout_service
from kohort.errors import Conflict, KohortError, NotFound
from kohort.events import service as events
from kohort.events.domain import OrderRefunded
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.models import GroupStatus, OrderStatus, RefundStage
from kohort.order import service as order_service
from kohort.order.domain import Order
from kohort.order.schemas import to_wire_order
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import ReferralGroup
from kohort.refund import repository
from kohort.refund.domain import Refund
from kohort.refund.schemas import LegacyRefundCreate, RefundCreate
from kohort.tenant import Tenant

# Cashback that already left the merchant: a reduction becomes the shopper's debt.
_ALREADY_LEFT = (OrderStatus.CASHBACK_PROCESSING, OrderStatus.CASHBACK_SENT)


class RefundExceedsAmount(KohortError):
    def __init__(self, order: Order, amount: int) -> None:
        remaining = order.amount - order.amount_refunded
        super().__init__(
            f"Refund of {amount} exceeds what is left to refund on order {order.id} ({remaining} of {order.amount}).",
            code="REFUND_EXCEEDS_AMOUNT",
        )


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    refund: Refund
    # True when the request repeated an earlier one (same clientReferenceId): nothing was refunded again.
    replayed: bool


async def _replay(
    connection: AsyncConnection, tenant: Tenant, order_id: str, reference: str | None, amount: int | None
) -> Refund | None:
    if reference is None:
        return None
    existing = await repository.find_by_client_reference(connection, tenant, reference)
    if existing is None:
        return None
    if existing.order_id != order_id or (amount is not None and amount != existing.amount):
        raise repository.reference_taken(reference)
    return existing


async def refund_order(
    connection: AsyncConnection, tenant: Tenant, actor: str, order_id: str, data: RefundCreate
) -> RefundOutcome:
    """Refund `data.amount` of the order (all that is left when None)."""
    replayed = await _replay(connection, tenant, order_id, data.client_reference_id, data.amount)
    if replayed is not None:
        return RefundOutcome(replayed, replayed=True)
    seen = await order_service.get_order(connection, tenant, order_id)
    group = (await group_service.lock_group(connection, tenant, seen.payment_group_id)
             if seen.payment_group_id else None)
    order = await order_service.lock_order(connection, tenant, order_id)
    if order.payment_group_id != seen.payment_group_id:
        raise Conflict(f"Order {order_id} changed group meanwhile; retry the refund.", code="CONFLICT")
    # Under the locks: a concurrent request with the same reference has committed by now, or never will.
    replayed = await _replay(connection, tenant, order_id, data.client_reference_id, data.amount)
    if replayed is not None:
        return RefundOutcome(replayed, replayed=True)
    amount = data.amount if data.amount is not None else order.amount - order.amount_refunded
    if amount <= 0:
        raise RefundExceedsAmount(order, amount)
    refunded = await order_service.add_refund(connection, tenant, actor, order, amount=amount)
    if refunded is None:
        raise RefundExceedsAmount(order, amount)
    refund_id = new_id("re")
    stage = await _apply(connection, tenant, refund_id, group, before=order, after=refunded)
    refund = await repository.insert_refund(connection, Refund(
        id=refund_id, organization_id=tenant.organization_id, livemode=tenant.livemode, order_id=order.id,
        amount=amount, reason=data.reason, client_reference_id=data.client_reference_id, stage=stage,
        created_at=clock.now(), created_by=actor,
    ))
    current = await order_service.get_order(connection, tenant, order.id)
    await events.record_event(connection, OrderRefunded(to_wire_order(current)))
    return RefundOutcome(refund, replayed=False)


async def _apply(
    connection: AsyncConnection, tenant: Tenant, refund_id: str, group: ReferralGroup | None, *, before: Order,
    after: Order,
) -> RefundStage:
    """What the refund does to the group and the money; the group is locked by the caller."""
    if group is None or group.status in (GroupStatus.CANCELED, GroupStatus.EXPIRED):
        return RefundStage.NO_CASHBACK
    members = await order_service.orders_of_group(connection, tenant, group.id)
    participants = sum(1 for member in members if member.counts)
    fee_change = after.application_fee_amount - before.application_fee_amount
    if group.status == GroupStatus.OPEN:
        # The fee is recorded when the group completes, on the net amount it has by then.
        await group_service.recount(connection, tenant, group, participants=participants)
        return RefundStage.BEFORE_END
    if group.cashback_released_at is None:
        # Still settling: the level of every member follows the participants left.
        level = group.ladder.reached(participants)
        changes = [
            CashbackChange(member.id, member.amount_cashback or 0, group.ladder.cashback(level, member.net_amount))
            for member in members
        ]
        await group_service.recount(connection, tenant, group, participants=participants)
        await cashback_service.reprice(connection, tenant, refund_id=refund_id, changes=changes,
                                       fee_change=fee_change, now=clock.now())
        return RefundStage.DURING_HOLD
    # Released: the level stays what the group reached; only this order's cashback follows its net amount.
    level = group.ladder.reached(group.participant_count)
    shown = before.amount_cashback or 0
    # What the order is worth now: what it shows, plus what went to an earlier debt, less what earlier
    # refunds already left its shopper owing.
    worth = shown + before.cashback_netted - await cashback_service.owed_on_order(connection, tenant, before.id)
    cut = worth - min(worth, group.ladder.cashback(level, after.net_amount))
    # Not withdrawn yet: the cut comes off what can be withdrawn. Paid, in a transfer under way (a pending
    # payout is never edited), or beyond what is left: the shopper owes it back (a receivable).
    from_withdrawable = 0 if after.status in _ALREADY_LEFT else min(cut, shown)
    change = CashbackChange(after.id, shown, shown - from_withdrawable, owed=cut - from_withdrawable)
    await cashback_service.reprice(connection, tenant, refund_id=refund_id, changes=[change], fee_change=fee_change,
                                   now=clock.now())
    return RefundStage.AFTER_HOLD


async def refund_legacy(
    connection: AsyncConnection, tenant: Tenant, actor: str, data: LegacyRefundCreate
) -> RefundOutcome:
    """`POST /refunds` (the Magento module's call, SURFACES.md §4.3 M3): the same operation, the order
    named in the body by its id or by its payment intent. Payment intents are views of orders: the module
    sends the id it got back on its success URL (`pi_…`); a shop's own payment reference, stored as the
    order's client reference id (`payment_client_reference_id` of the plugins), names it too."""
    if data.order_id:
        order_id = data.order_id
    elif data.payment_intent_id:
        order_id = (await checkout_service.find_payment_intent(connection, tenant, data.payment_intent_id)).id
    else:
        raise KohortError("order_id or payment_intent_id is required.", code="VALIDATION_ERROR")
    return await refund_order(connection, tenant, actor, order_id, RefundCreate(
        amount=data.amount, reason=data.reason, client_reference_id=data.client_reference_id,
    ))


async def get_refund(connection: AsyncConnection, tenant: Tenant, refund_id: str) -> Refund:
    refund = await repository.get(connection, tenant, refund_id)
    if refund is None:
        raise NotFound(f"Refund {refund_id} not found.")
    return refund


async def list_refunds(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, order_id: str | None = None
) -> tuple[list[Refund], int]:
    if order_id is not None:
        await order_service.get_order(connection, tenant, order_id)  # another tenant's order is a 404
    return await repository.list_refunds(connection, tenant, params, order_id=order_id)
