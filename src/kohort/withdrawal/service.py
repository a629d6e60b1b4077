"""Withdrawals and what follows them, exactly once:

* withdraw: a shopper's token (single use) and IBAN → order CASHBACK_AVAILABLE → CASHBACK_PROCESSING
  by a conditional write that consumes the token, a PENDING payout, and the ledger moving the cashback
  from the shopper's liability to "in transit". Of two simultaneous submissions one changes the order,
  the other finds the token gone: one payout.
* confirm a batch: its payouts PAID, their orders CASHBACK_SENT, "in transit" → paid from the
  merchant's funds (the events tell the email consumer to send a "cashback sent" email each).
* fail a payout: the order back to CASHBACK_AVAILABLE, the ledger reversed (the event tells the email
  consumer to send the shopper a new link, with a fresh token).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import service as brand_service
from kohort.brand.domain import Brand
from kohort.cashback import service as cashback_service
from kohort.customer import service as customer_service
from kohort.errors import Conflict, KohortError
from kohort.events import service as events
from kohort.events.domain import CashbackAvailable, CashbackSent, PayoutFailed, PayoutPaid
from kohort.kit import clock
from kohort.kit.crypto import Cipher
from kohort.kit.ids import hash_secret, secrets_match
from kohort.ledger import service as ledger
from kohort.ledger.accounts import Account
from kohort.models import OrderStatus
from kohort.order import service as order_service
from kohort.order.domain import Order
from kohort.order.schemas import to_wire_order
from kohort.payout import iban as iban_rules
from kohort.payout import sepa_text
from kohort.payout import service as payout_service
from kohort.payout.domain import Payout
from kohort.payout.schemas import to_wire_payout
from kohort.tenant import Tenant


class InvalidWithdrawal(KohortError):
    """Raised for an unknown order or a token that is not the order's current one. Says nothing about
    the order: the same answer whether it exists or not."""

    def __init__(self) -> None:
        super().__init__("This withdrawal link is not valid.", code="INVALID_WITHDRAWAL_TOKEN")


class AlreadyWithdrawn(Conflict):
    """Raised when the token was already used for this order (its payout is under way or done)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"This cashback was already withdrawn (order status {status}).", code="ALREADY_WITHDRAWN")
        self.status = status


class HolderNameRequired(KohortError):
    def __init__(self) -> None:
        super().__init__("holderName: the account holder's name is required.", code="HOLDER_NAME_REQUIRED")


@dataclass(frozen=True)
class WithdrawalState:
    """What the withdrawal page shows. `state`: form (token valid), processing, sent (transfer
    executed), or invalid (unknown order or token: nothing else is revealed)."""

    state: str
    order: Order | None = None
    brand: Brand | None = None
    holder_name: str = ""
    payout: Payout | None = None


def _tenant(order: Order) -> Tenant:
    return order.tenant


async def _holder_default(connection: AsyncConnection, tenant: Tenant, order: Order) -> str:
    customers = await customer_service.get_customers(connection, tenant, {order.customer_id})
    customer = customers.get(order.customer_id)
    first = (customer.first_name if customer else None) or order.customer_first_name or ""
    last = (customer.last_name if customer else None) or order.customer_last_name or ""
    return f"{first} {last}".strip()


async def _used_payout(connection: AsyncConnection, tenant: Tenant, order: Order, token: str) -> Payout | None:
    """The payout this very token paid for, if the token was already used on this order."""
    payout = await payout_service.latest_payout_for_order(connection, tenant, order.id)
    if payout is not None and payout.token_hash and secrets_match(token, payout.token_hash):
        return payout
    return None


async def state_for(connection: AsyncConnection, order_id: str, token: str) -> WithdrawalState:
    order = await order_service.find_any_tenant(connection, order_id)
    if order is None or not token:
        return WithdrawalState(state="invalid")
    tenant = _tenant(order)
    current = order.withdrawal_token_hash
    if order.status == OrderStatus.CASHBACK_AVAILABLE and current and secrets_match(token, current) and order.amount_cashback:
        return WithdrawalState(state="form", order=order, brand=await brand_service.get_brand(connection, tenant),
                               holder_name=await _holder_default(connection, tenant, order))
    used = await _used_payout(connection, tenant, order, token)
    if used is not None and order.status in (OrderStatus.CASHBACK_PROCESSING, OrderStatus.CASHBACK_SENT):
        return WithdrawalState(state="sent" if order.status == OrderStatus.CASHBACK_SENT else "processing", order=order,
                               brand=await brand_service.get_brand(connection, tenant), payout=used)
    return WithdrawalState(state="invalid")


async def withdraw(
    connection: AsyncConnection, cipher: Cipher, *, order_id: str, token: str, iban: str, holder_name: str
) -> tuple[Order, Payout]:
    """Withdraw the order's available cashback to `iban`; returns (order, payout)."""
    order = await order_service.find_any_tenant(connection, order_id)
    if order is None or not token:
        raise InvalidWithdrawal()
    tenant = _tenant(order)
    current = order.withdrawal_token_hash
    if not (current and secrets_match(token, current)):
        used = await _used_payout(connection, tenant, order, token)
        if used is not None and order.status in (OrderStatus.CASHBACK_PROCESSING, OrderStatus.CASHBACK_SENT):
            raise AlreadyWithdrawn(order.status)
        raise InvalidWithdrawal()
    compact = iban_rules.validate_sepa_iban(iban)
    if not holder_name.split():
        raise HolderNameRequired()
    holder = sepa_text.holder_name(holder_name)  # as the bank file will spell it, or a 400 now
    if (await payout_service.get_payout_settings(connection, tenant)).iban is None:
        raise payout_service.PayoutAccountMissing()
    token_hash = hash_secret(token)
    changed = await order_service.start_withdrawal(connection, tenant, order.id, token_hash=token_hash)
    if changed is None:
        # Someone used this token between our read and our write (a double submit): one payout only.
        latest = await order_service.find_any_tenant(connection, order_id)
        raise AlreadyWithdrawn(latest.status if latest else "UNKNOWN")
    payout = await payout_service.create_payout(
        connection, tenant, cipher, order_id=order.id, amount=int(changed.amount_cashback or 0), iban=compact,
        holder_name=holder, token_hash=token_hash,
    )
    await ledger.post(connection, ledger.Posting(
        tenant=tenant, kind=ledger.PostingKind.CASHBACK_WITHDRAWN, idempotency_key=f"payout.withdrawn:{payout.id}",
        entries=[
            ledger.Entry(account=Account.CASHBACK_LIABILITY, amount=payout.amount, order_id=order.id),
            ledger.Entry(account=Account.CASHBACK_IN_TRANSIT, amount=-payout.amount, order_id=order.id),
        ],
    ))
    return changed, payout


async def confirm_batch(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, batch_id: str
) -> payout_service.CreatedBatch:
    """The bank executed the batch: payouts PAID (the stored file masked), orders CASHBACK_SENT, ledger and
    events."""
    confirmed = await payout_service.confirm_batch(connection, tenant, cipher, batch_id)
    sent = await order_service.finish_withdrawals(connection, tenant, [payout.order_id for payout in confirmed.payouts])
    await events.record_events(connection, [
        *(PayoutPaid(to_wire_payout(payout)) for payout in confirmed.payouts),
        *(CashbackSent(to_wire_order(order)) for order in sent),
    ])
    # Once only: the batch's conditional EXPORTED → CONFIRMED write above let exactly one caller here.
    await ledger.post_many(connection, [
        ledger.Posting(
            tenant=tenant, kind=ledger.PostingKind.CASHBACK_PAID, idempotency_key=f"payout.paid:{payout.id}",
            entries=[
                ledger.Entry(account=Account.CASHBACK_IN_TRANSIT, amount=payout.amount, order_id=payout.order_id),
                ledger.Entry(account=Account.MERCHANT_FUNDS, amount=-payout.amount),
            ],
        )
        for payout in confirmed.payouts
    ])
    return await payout_service.get_batch(connection, tenant, batch_id)


async def fail_payout(connection: AsyncConnection, tenant: Tenant, payout_id: str, *, reason: str) -> Payout:
    """The transfer will not happen: the shopper gets their cashback back (and a fresh link, from the
    email consumer)."""
    payout = await payout_service.fail_payout(connection, tenant, payout_id, reason=reason)
    await ledger.reverse(connection, tenant, original_key=f"payout.withdrawn:{payout.id}",
                         idempotency_key=f"payout.failed:{payout.id}")
    order = await order_service.reopen_withdrawal(connection, tenant, payout.order_id)
    # A refund may have left the shopper owing part of what was being paid (a receivable): the cashback
    # that comes back pays it first, so the next withdrawal pays no more than is due.
    if order is not None and await cashback_service.net_receivables(
        connection, [order.id], now=clock.now(), occasion=payout.id
    ):
        order = await order_service.get_order(connection, tenant, order.id)
    await events.record_events(connection, [
        PayoutFailed(to_wire_payout(payout)),
        *([CashbackAvailable(to_wire_order(order), payout_id=payout.id)] if order is not None else []),
    ])
    return payout
