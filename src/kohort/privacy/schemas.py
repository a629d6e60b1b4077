"""Wire schemas of the access export (`GET /customers/{id}/export`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Literal

from kohort.customer.schemas import Customer, to_wire_customer
from kohort.http.schemas import Timestamp, WireModel
from kohort.models import PayoutStatus
from kohort.order.schemas import Order, to_wire_order
from kohort.payout.schemas import Payout, to_wire_payout
from kohort.privacy.domain import CustomerRecord
from kohort.referral_group.schemas import PaymentGroup, to_wire_group
from kohort.refund.schemas import Refund, to_wire_refund


class CashbackSummary(WireModel):
    """The customer's cashback in one currency, in cents: granted on their orders, and paid out to them."""

    currency: str
    earned: int
    paid: int


class ExportedEmail(WireModel):
    """An email queued for the customer: what and when, never its content (its link carries a token)."""

    id: str
    kind: str
    status: str
    attempts: int
    created_at: Timestamp
    finished_at: Timestamp | None


class Consents(WireModel):
    """What the merchant decided about the customer: blocked, soft-deleted, erased."""

    is_blocked: bool
    blocked_at: Timestamp | None
    deleted_at: Timestamp | None
    erased_at: Timestamp | None


class CustomerExport(WireModel):
    """Everything Kohort holds about one customer (a GDPR access request). Payouts show masked IBANs."""

    object: Literal["customer_export"] = "customer_export"
    exported_at: Timestamp
    customer: Customer
    orders: list[Order]
    groups_owned: list[PaymentGroup]
    groups_joined: list[PaymentGroup]
    refunds: list[Refund]
    payouts: list[Payout]
    cashback: list[CashbackSummary]
    emails: list[ExportedEmail]
    consents: Consents


def _cashback(record: CustomerRecord) -> list[CashbackSummary]:
    earned: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    for order in record.orders:
        earned[order.currency] += order.amount_cashback or 0
    for payout in record.payouts:
        if payout.status == PayoutStatus.PAID:
            paid[payout.currency] += payout.amount
    return [CashbackSummary(currency=currency, earned=earned[currency], paid=paid[currency])
            for currency in sorted(set(earned) | set(paid))]


def to_wire_export(record: CustomerRecord, *, exported_at: datetime) -> CustomerExport:
    customer = record.customer
    return CustomerExport(
        exported_at=exported_at,
        customer=to_wire_customer(customer, cashback_owed=record.cashback_owed),
        orders=[to_wire_order(order) for order in record.orders],
        groups_owned=[to_wire_group(group) for group in record.groups_owned],
        groups_joined=[to_wire_group(group) for group in record.groups_joined],
        refunds=[to_wire_refund(refund) for refund in record.refunds],
        payouts=[to_wire_payout(payout) for payout in record.payouts],
        cashback=_cashback(record),
        emails=[
            ExportedEmail(id=job.id, kind=str(job.payload.get("kind", "")), status=job.status.value,
                          attempts=job.attempts, created_at=job.created_at, finished_at=job.finished_at)
            for job in record.emails
        ],
        consents=Consents(is_blocked=customer.is_blocked, blocked_at=customer.blocked_at,
                          deleted_at=customer.deleted_at, erased_at=customer.erased_at),
    )
