"""Queueing the shopper emails of SURFACES.md §3 for order-based groups.

Each function gathers what its email shows (brand, names, amounts, links) and hands it to the email
outbox inside the caller's transaction, with the event id that makes it once-only per recipient.
Recipients are customers' addresses; nothing here ever fails the caller for a missing address.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import service as brand_service
from kohort.customer import service as customer_service
from kohort.customer.domain import Customer
from kohort.email.outbox import Outbox, QueuedEmail
from kohort.kit import clock
from kohort.kit.crypto import Cipher
from kohort.kit.formatting import page_locale
from kohort.kit.ids import new_id
from kohort.links import withdrawal_url
from kohort.models import GroupStatus
from kohort.notify.context import email_context, next_level, person_name
from kohort.order.domain import Order
from kohort.payout.domain import Payout
from kohort.referral_group.domain import ReferralGroup
from kohort.tenant import Tenant
from kohort.worker import queue

log = logging.getLogger("kohort.notify")
P = ParamSpec("P")


def _never_failing(function: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """An email must never fail the request or job that causes it: the enqueue runs in a savepoint, and
    any error rolls back only that savepoint and is logged."""

    @functools.wraps(function)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        connection: AsyncConnection = args[0]  # type: ignore[assignment]
        try:
            async with connection.begin_nested():
                await function(*args, **kwargs)
        except Exception:  # logged; the causing change still commits
            log.exception("email.enqueue_failed", extra={"event": function.__name__})

    return guarded


async def _brand(connection: AsyncConnection, tenant: Tenant) -> dict[str, Any]:
    return (await brand_service.get_brand(connection, tenant)).as_context()


async def _people(connection: AsyncConnection, tenant: Tenant, ids: set[str]) -> dict[str, Customer]:
    return await customer_service.get_customers(connection, tenant, ids)


ORDER_PLACED_JOB = "notify.order_placed"


async def order_placed(connection: AsyncConnection, tenant: Tenant, *, group: ReferralGroup, order: Order,
                       joined: bool) -> None:
    """In the order's transaction: one job naming the event (ids and the group's size right after it).
    The order hot path pays one insert; the job builds the emails (`order_emails`) after commit."""
    await queue.enqueue(connection, ORDER_PLACED_JOB, {
        **tenant.stamp(), "order_id": order.id, "group_id": group.id, "joined": joined,
        "participant_count": group.participant_count,
    }, dedupe_key=f"order_placed:{order.id}")


def unlocks_level(group: ReferralGroup, participant_count: int) -> bool:
    """Whether reaching `participant_count` unlocks a level exactly (the "new level" email)."""
    return group.ladder.unlocked_at(participant_count) is not None


@_never_failing
async def order_emails(
    connection: AsyncConnection, tenant: Tenant, *, group: ReferralGroup, order: Order, joined: bool,
    participant_count: int, participants: Sequence[Order] = (), outbox: Outbox,
) -> None:
    """Group created (owner) or joined (joiner); a join that reaches a level's threshold exactly also
    tells every other participant that a new level is unlocked."""
    people = await _people(connection, tenant, {order.customer_id, group.customer_id,
                                               *(other.customer_id for other in participants)})
    customer = people.get(order.customer_id)
    locale = page_locale(order.locale)
    owner = people.get(group.customer_id)
    brand = await _brand(connection, tenant)
    public_url = outbox.public_url
    count = participant_count
    if not joined:
        await outbox.enqueue(connection, kind="group_created", event_id=group.id, to=_email(customer), locale=locale,
                             context=email_context(group, brand=brand, owner=owner, recipient=customer, locale=locale,
                                                   campaign="kohort_ref_payment_success", public_url=public_url,
                                                   order=order))
        return
    ladder = group.ladder
    await outbox.enqueue(connection, kind="group_joined", event_id=order.id, to=_email(customer), locale=locale,
                         context=email_context(group, brand=brand, owner=owner, recipient=customer, locale=locale,
                                               campaign="kohort_ref_payment_success", public_url=public_url,
                                               order=order, cashback=ladder.provisional_cashback(count, order.amount),
                                               next_level=next_level(group, count)))
    unlocked = ladder.unlocked_at(count)
    if unlocked is None:
        return
    for other in participants:
        if other.id == order.id:
            continue
        recipient = people.get(other.customer_id)
        # Each recipient's own language (the original mixed the joiner's template with the recipient's text).
        other_locale = page_locale(other.locale)
        await outbox.enqueue(
            connection, kind="level_unlocked", event_id=f"{group.id}:{count}", to=_email(recipient),
            locale=other_locale,
            context=email_context(group, brand=brand, owner=owner, recipient=recipient, locale=other_locale,
                                  campaign="group_new_level_unlocked", public_url=public_url,
                                  new_member_name=person_name(customer), level_value=unlocked.value,
                                  next_level=next_level(group, count)),
        )


@_never_failing
async def reminder(connection: AsyncConnection, tenant: Tenant, *, group: ReferralGroup, stage: str,
                   outbox: Outbox) -> None:
    """A reminder to the owner (`stage` = midway, first or last), also once friends joined: then it says
    how many more friends reach the next level."""
    people = await _people(connection, tenant, {group.customer_id})
    owner = people.get(group.customer_id)
    locale = page_locale(owner.locale if owner else None)
    count = group.participant_count
    await outbox.enqueue(
        connection, kind="reminder", event_id=f"{group.id}:{stage}", to=_email(owner), locale=locale,
        context=email_context(group, brand=await _brand(connection, tenant), owner=owner, recipient=owner,
                              locale=locale, campaign="midway_reminder", public_url=outbox.public_url,
                              stage=stage, participant_count=count,
                              seconds_left=max(0, int((group.expires_at - clock.now()).total_seconds())),
                              next_level=next_level(group, count) if count > 1 else None),
    )


@_never_failing
async def cashback_available(connection: AsyncConnection, tenant: Tenant, *, group: ReferralGroup, order: Order,
                             token: str, retry: bool = False, event_id: str | None = None, outbox: Outbox) -> None:
    """The withdrawal link, to a participant whose cashback became available (or came back after a
    failed transfer: `retry`). The raw token exists only in the caller's transaction, so this is the
    only moment the link can be written."""
    if not order.amount_cashback:
        return
    people = await _people(connection, tenant, {order.customer_id, group.customer_id})
    customer = people.get(order.customer_id)
    locale = page_locale(order.locale)
    await outbox.enqueue(
        connection, kind="cashback_available", event_id=event_id or order.id, to=_email(customer), locale=locale,
        context=email_context(group, brand=await _brand(connection, tenant), owner=people.get(group.customer_id),
                              recipient=customer, locale=locale, campaign="kohort_ref_payment_iban_request",
                              public_url=outbox.public_url, order=order, cashback=order.amount_cashback,
                              withdrawal_url=withdrawal_url(outbox.public_url, order.id, token), retry=retry),
    )


PAYOUTS_PAID_JOB = "notify.payouts_paid"


async def payouts_paid(connection: AsyncConnection, tenant: Tenant, *, batch_id: str) -> None:
    """In the confirming transaction: one job for the batch; it emails each paid shopper (`cashback_sent_emails`)."""
    await queue.enqueue(connection, PAYOUTS_PAID_JOB, {**tenant.stamp(), "batch_id": batch_id},
                        dedupe_key=f"payouts_paid:{batch_id}")


async def cashback_sent_emails(connection: AsyncConnection, tenant: Tenant, *, payouts: Sequence[Payout],
                               orders: dict[str, Order], groups: dict[str, ReferralGroup], outbox: Outbox) -> None:
    """"Your cashback is on its way" to the shopper of every paid payout: a few queries and one insert."""
    brand = await _brand(connection, tenant)
    people = await _people(connection, tenant, {order.customer_id for order in orders.values()}
                           | {group.customer_id for group in groups.values()})
    public_url = outbox.public_url
    emails = []
    for payout in payouts:
        order = orders.get(payout.order_id)
        group = groups.get(order.payment_group_id) if order is not None and order.payment_group_id else None
        if order is None or group is None:
            continue
        customer = people.get(order.customer_id)
        locale = page_locale(order.locale)
        emails.append(QueuedEmail(
            kind="cashback_sent", event_id=payout.id, to=_email(customer), locale=locale,
            context=email_context(group, brand=brand, owner=people.get(group.customer_id), recipient=customer,
                                  locale=locale, campaign="kohort_ref_cashback_withdrawn", public_url=public_url,
                                  order=order, cashback=payout.amount, iban_masked=payout.iban_masked),
        ))
    await outbox.enqueue_many(connection, emails)


def _email(customer: Customer | None) -> str | None:
    return customer.email_address if customer is not None and not customer.is_deleted else None


SETTLEMENT_JOB = "notify.settlement"


@_never_failing
async def groups_settled(connection: AsyncConnection, *, group_ids: list[str], tokens: dict[str, str],
                         cipher: Cipher) -> None:
    """In the settling transaction: one job for the whole batch, carrying the raw withdrawal tokens
    (by order id) sealed with the at-rest key. Settlement stays cheap whatever the batch size (the
    sweep's throughput); the job then queues each participant's email (`settlement_emails`), each
    deduplicated per event and recipient, so running it twice sends nothing twice."""
    reference = new_id("stl")
    sealed = cipher.encrypt(json.dumps(tokens), associated_data=reference)
    await queue.enqueue(connection, SETTLEMENT_JOB, {"ref": reference, "groups": group_ids, "sealed": sealed})


def settlement_tokens(payload: dict[str, Any], *, cipher: Cipher) -> dict[str, str]:
    tokens: dict[str, str] = json.loads(cipher.decrypt(payload["sealed"], associated_data=payload["ref"]))
    return tokens


async def settlement_emails(connection: AsyncConnection, *, groups: Sequence[ReferralGroup], orders: Sequence[Order],
                            tokens: dict[str, str], outbox: Outbox) -> None:
    """After a settlement batch: "cashback available" (with the withdrawal link, `tokens` by order id)
    to every participant with cashback, "group expired" to each lone owner. A few queries and one
    insert for the whole batch, whatever its size."""
    by_tenant: dict[Tenant, list[ReferralGroup]] = {}
    for group in groups:
        by_tenant.setdefault(group.tenant, []).append(group)
    orders_by_group: dict[str | None, list[Order]] = {}
    for order in orders:
        orders_by_group.setdefault(order.payment_group_id, []).append(order)
    public_url = outbox.public_url
    emails: list[QueuedEmail] = []
    for tenant, tenant_groups in by_tenant.items():
        brand = await _brand(connection, tenant)
        customer_ids = {group.customer_id for group in tenant_groups}
        customer_ids |= {order.customer_id for group in tenant_groups for order in orders_by_group.get(group.id, [])}
        people = await _people(connection, tenant, customer_ids)
        for group in tenant_groups:
            owner = people.get(group.customer_id)
            campaign = ("payment_captured_no_discount" if group.status == GroupStatus.EXPIRED
                        else "kohort_ref_payment_iban_request")
            for order in orders_by_group.get(group.id, []):
                customer = people.get(order.customer_id)
                locale = page_locale(order.locale)
                base = email_context(group, brand=brand, owner=owner, recipient=customer, locale=locale,
                                     campaign=campaign, public_url=public_url, order=order)
                if group.status == GroupStatus.EXPIRED:
                    emails.append(QueuedEmail(kind="group_expired", event_id=group.id, to=_email(customer),
                                                     locale=locale, context=base))
                elif order.id in tokens and order.amount_cashback:
                    emails.append(QueuedEmail(
                        kind="cashback_available", event_id=order.id, to=_email(customer), locale=locale,
                        context={**base, "cashback": order.amount_cashback,
                                 "withdrawal_url": withdrawal_url(public_url, order.id, tokens[order.id])},
                    ))
    await outbox.enqueue_many(connection, emails)
