"""The email consumer: which shopper email each event causes (SURFACES.md §3), and what it shows.

Services record events and know nothing of emails. The consumers' sweep takes new events in batches
(`events.service.claim_new`) and, in the same transaction, queues their emails in one insert:
the claim and the emails commit together, so each event's emails are queued exactly once, and an
email problem never touches the change that caused the event (it committed before).

The "cashback available" email carries the only withdrawal link. Its token is issued here, in the
transaction that queues the email (sealed in the job), so each link sent is the order's one valid token;
a later link (a failed transfer, `kohort cashback resend-links`) replaces it, and the earlier one stops
working. No token is ever written to an event.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import service as brand_service
from kohort.cashback import service as cashback_service
from kohort.customer import service as customer_service
from kohort.customer.domain import Customer
from kohort.email.outbox import Outbox, QueuedEmail
from kohort.events.catalogue import EventType
from kohort.events.domain import Event
from kohort.kit import clock
from kohort.kit.formatting import DEFAULT_LOCALE, page_locale
from kohort.links import withdrawal_url
from kohort.notify.context import email_context, next_level, person_name
from kohort.order import service as order_service
from kohort.order.domain import Order, OrderStatus
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import ReferralGroup
from kohort.tenant import Tenant

log = logging.getLogger("kohort.notify")
P = ParamSpec("P")

# The events that cause shopper emails; the consumer takes every event and passes over the others.
EMAILED = frozenset({
    EventType.PAYMENT_GROUP_CREATED, EventType.PAYMENT_GROUP_JOINED, EventType.PAYMENT_GROUP_LEVEL_UNLOCKED,
    EventType.PAYMENT_GROUP_EXPIRED, EventType.ORDER_CASHBACK_AVAILABLE, EventType.PAYOUT_PAID,
    EventType.PAYMENT_GROUP_SUCCEEDED,
    EventType.WEBHOOK_ENDPOINT_DISABLED,
})


def _never_failing(function: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """An email must never fail the work that causes it: the enqueue runs in a savepoint, and any error
    rolls back only that savepoint and is logged."""

    @functools.wraps(function)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        connection: AsyncConnection = args[0]  # type: ignore[assignment]
        try:
            async with connection.begin_nested():
                await function(*args, **kwargs)
        except Exception:  # logged; the causing change still commits
            log.exception("email.enqueue_failed", extra={"event": function.__name__})

    return guarded


async def emails_for_events(connection: AsyncConnection, events: Sequence[Event], *, outbox: Outbox) -> None:
    """Queue the emails of these events (claimed by the caller's transaction). A batch that fails (a bug,
    bad data) is done again one event at a time, so one bad event costs only its own emails (logged)."""
    wanted = [event for event in events if event.type in EMAILED]
    if not wanted:
        return
    try:
        async with connection.begin_nested():
            await _queue(connection, wanted, outbox)
        return
    except Exception:  # fall back to one savepoint per event, below
        log.exception("email.events_batch_failed", extra={"events": len(wanted)})
    for event in wanted:
        try:
            async with connection.begin_nested():
                await _queue(connection, [event], outbox)
        except Exception:  # logged with the event; its emails are dropped, the others go
            log.exception("email.event_failed", extra={"event_id": event.id, "event_type": event.type})


async def _queue(connection: AsyncConnection, events: Sequence[Event], outbox: Outbox) -> None:
    by_tenant: dict[Tenant, list[Event]] = {}
    for event in events:
        by_tenant.setdefault(event.tenant, []).append(event)
    emails: list[QueuedEmail] = []
    for tenant, tenant_events in by_tenant.items():
        to_merchant = [event for event in tenant_events if event.type == EventType.WEBHOOK_ENDPOINT_DISABLED]
        if to_merchant:
            emails += await _merchant_emails(connection, tenant, to_merchant)
        to_shoppers = [event for event in tenant_events if event.type != EventType.WEBHOOK_ENDPOINT_DISABLED]
        if to_shoppers:
            emails += await _tenant_emails(connection, tenant, to_shoppers, outbox)
    await outbox.enqueue_many(connection, emails)


async def _merchant_emails(connection: AsyncConnection, tenant: Tenant, events: Sequence[Event]) -> list[QueuedEmail]:
    """"Your webhook endpoint was disabled", to the brand's contact address (none set: the event and the
    endpoint's `disabled` are the only notice). Merchants read the default language."""
    settings = await brand_service.get_brand_settings(connection, tenant)
    if not settings.contact_email:
        return []
    brand = (await brand_service.get_brand(connection, tenant)).as_context()
    return [
        QueuedEmail(kind="webhook_endpoint_disabled", event_id=event.id, to=settings.contact_email,
                    locale=DEFAULT_LOCALE, context={"brand": brand, "endpoint": {
                        "id": event.data["id"], "url": event.data["url"], "failing_since": event.data["failingSince"]}})
        for event in events
    ]


@dataclass
class _Loaded:
    """What a tenant's batch of emails shows, fetched in a few queries for the whole batch."""

    outbox: Outbox
    brand: dict[str, Any]
    orders: dict[str, Order]
    groups: dict[str, ReferralGroup]
    people: dict[str, Customer] = field(default_factory=dict)
    # Every order of the groups whose participants are written to (new level, group expired), oldest first.
    members: dict[str, list[Order]] = field(default_factory=dict)

    def context(self, group: ReferralGroup, recipient: Customer | None, locale: str, campaign: str,
                **details: Any) -> dict[str, Any]:
        return email_context(group, brand=self.brand, owner=self.people.get(group.customer_id), recipient=recipient,
                             locale=locale, campaign=campaign, public_url=self.outbox.public_url, **details)

    def email(self, kind: str, event_id: str, group: ReferralGroup, shopper: Order, campaign: str,
              **details: Any) -> QueuedEmail:
        """Email `kind` to the shopper of order `shopper`, in that order's language."""
        customer = self.people.get(shopper.customer_id)
        locale = page_locale(shopper.locale)
        return QueuedEmail(kind=kind, event_id=event_id, to=_email(customer), locale=locale,
                           context=self.context(group, customer, locale, campaign, **details))


async def _load(connection: AsyncConnection, tenant: Tenant, outbox: Outbox, *, order_ids: Iterable[str],
                group_ids: Iterable[str], member_groups: Iterable[str]) -> _Loaded:
    orders = await order_service.get_orders(connection, tenant, set(order_ids))
    wanted_groups = set(group_ids) | set(member_groups)
    wanted_groups |= {order.payment_group_id for order in orders.values() if order.payment_group_id}
    groups = await group_service.get_groups(connection, tenant, wanted_groups)
    members: dict[str, list[Order]] = {}
    for order in await order_service.orders_of_groups(connection, sorted(set(member_groups))):
        if order.tenant == tenant and order.payment_group_id:
            members.setdefault(order.payment_group_id, []).append(order)
    customer_ids = {order.customer_id for order in orders.values()} | {group.customer_id for group in groups.values()}
    customer_ids |= {order.customer_id for group_orders in members.values() for order in group_orders}
    return _Loaded(
        outbox=outbox, brand=(await brand_service.get_brand(connection, tenant)).as_context(), orders=orders,
        groups=groups, people=await customer_service.get_customers(connection, tenant, customer_ids),
        members=members,
    )


async def _tenant_emails(
    connection: AsyncConnection, tenant: Tenant, events: Sequence[Event], outbox: Outbox
) -> list[QueuedEmail]:
    member_groups = [event.data["id"] for event in events
                     if event.type == EventType.PAYMENT_GROUP_LEVEL_UNLOCKED
                     or (event.type == EventType.PAYMENT_GROUP_EXPIRED and event.ref("settled"))
                     or event.type == EventType.PAYMENT_GROUP_SUCCEEDED]
    loaded = await _load(
        connection, tenant, outbox, order_ids=[order_id for order_id in map(_order_of, events) if order_id],
        group_ids=[event.data["id"] for event in events if event.type.startswith("payment_group.")],
        member_groups=member_groups,
    )
    emails: list[QueuedEmail] = []
    available: list[tuple[Event, Order, ReferralGroup]] = []
    for event in events:
        order = loaded.orders.get(_order_of(event) or "")
        group_id = event.data["id"] if event.type.startswith("payment_group.") else order and order.payment_group_id
        group = loaded.groups.get(group_id or "")
        if group is None:
            continue
        if event.type == EventType.PAYMENT_GROUP_CREATED and order is not None:
            emails.append(loaded.email("group_created", group.id, group, order, "kohort_ref_payment_success",
                                       order=order))
        elif event.type == EventType.PAYMENT_GROUP_JOINED and order is not None:
            count = int(event.data["participantCount"])
            emails.append(loaded.email(
                "group_joined", order.id, group, order, "kohort_ref_payment_success", order=order,
                cashback=group.ladder.provisional_cashback(count, order.amount), next_level=next_level(group, count),
            ))
        elif event.type == EventType.PAYMENT_GROUP_LEVEL_UNLOCKED and order is not None:
            emails += _level_unlocked(loaded, group, order, int(event.data["participantCount"]))
        elif event.type == EventType.PAYMENT_GROUP_EXPIRED and event.ref("settled"):
            emails += [loaded.email("group_expired", group.id, group, member, "payment_captured_no_discount",
                                    order=member) for member in loaded.members.get(group.id, [])]
        elif event.type == EventType.PAYMENT_GROUP_SUCCEEDED:
            # Held cashback: how much is coming and from which day; the link follows when the hold ends.
            emails += [loaded.email("group_completed", member.id, group, member, "kohort_ref_payment_iban_request",
                                    order=member, cashback=member.amount_cashback,
                                    available_at=member.cashback_available_at.isoformat())
                       for member in loaded.members.get(group.id, [])
                       if member.status == OrderStatus.CASHBACK_PENDING and member.amount_cashback
                       and member.cashback_available_at is not None]
        elif event.type == EventType.ORDER_CASHBACK_AVAILABLE and order is not None:
            available.append((event, order, group))
        elif event.type == EventType.PAYOUT_PAID and order is not None:
            emails.append(loaded.email("cashback_sent", event.data["id"], group, order,
                                       "kohort_ref_cashback_withdrawn", order=order, cashback=event.data["amount"],
                                       iban_masked=event.data["iban"]))
    return emails + await _withdrawal_links(
        connection, loaded, [(event.id, order, group, bool(event.ref("payout_id"))) for event, order, group in available]
    )


def _order_of(event: Event) -> str | None:
    """The order an emailed event is about: the one that opened or joined the group, the one whose
    cashback is available, the one a payout paid."""
    if event.type == EventType.ORDER_CASHBACK_AVAILABLE:
        return str(event.data["id"])
    if event.type == EventType.PAYOUT_PAID:
        return str(event.data["orderId"])
    order_id = event.ref("order_id")
    return str(order_id) if order_id else None


def _level_unlocked(loaded: _Loaded, group: ReferralGroup, joiner: Order, count: int) -> list[QueuedEmail]:
    """"New level": to every participant as the group was right after `joiner` joined, but the joiner,
    each in their own language (the original mixed the joiner's template with the recipient's text)."""
    unlocked = group.ladder.unlocked_at(count)
    if unlocked is None:
        return []
    newcomer = person_name(loaded.people.get(joiner.customer_id))
    participants = [other for other in loaded.members.get(group.id, []) if other.created_at <= joiner.created_at]
    return [
        loaded.email("level_unlocked", f"{group.id}:{count}", group, other, "group_new_level_unlocked",
                     new_member_name=newcomer, level_value=unlocked.value, next_level=next_level(group, count))
        for other in participants[:count] if other.id != joiner.id
    ]


async def _withdrawal_links(
    connection: AsyncConnection, loaded: _Loaded, wanted: Sequence[tuple[str, Order, ReferralGroup, bool]]
) -> list[QueuedEmail]:
    """"Cashback available" for each (email id, order, group, retry): a fresh token for each order that can
    still be withdrawn and whose shopper has an address, then the email with its link. The token is
    written in this transaction, with the email that carries it: both commit, or neither does."""
    reachable = [item for item in wanted if item[1].amount_cashback and _email(loaded.people.get(item[1].customer_id))]
    tokens = await cashback_service.issue_withdrawal_tokens(
        connection, [order.id for _, order, _, _ in reachable], now=clock.now()
    )
    return [
        loaded.email("cashback_available", email_id, group, order, "kohort_ref_payment_iban_request", order=order,
                     cashback=order.amount_cashback, netted=order.cashback_netted, retry=retry,
                     withdrawal_url=withdrawal_url(loaded.outbox.public_url, order.id, tokens[order.id]))
        for email_id, order, group, retry in reachable if order.id in tokens
    ]


async def resend_links(connection: AsyncConnection, tenant: Tenant, order_ids: Sequence[str], *, run_id: str,
                       outbox: Outbox) -> int:
    """`kohort cashback resend-links`: a fresh withdrawal link (old ones void) for each of these orders whose
    cashback is still available, emailed again. `run_id` names this run in the emails' once-only keys, so
    running the command again sends again (with new tokens), but retrying one batch does not."""
    loaded = await _load(connection, tenant, outbox, order_ids=order_ids, group_ids=[], member_groups=[])
    wanted = [(f"{order.id}:{run_id}", order, loaded.groups[order.payment_group_id], False)
              for order in loaded.orders.values() if order.payment_group_id in loaded.groups]
    emails = await _withdrawal_links(connection, loaded, wanted)
    await outbox.enqueue_many(connection, emails)
    return len(emails)


@_never_failing
async def reminder(connection: AsyncConnection, tenant: Tenant, *, group: ReferralGroup, stage: str,
                   outbox: Outbox) -> None:
    """A reminder to the owner (`stage` = midway, first or last), also once friends joined: then it says
    how many more friends reach the next level. Not an event: the sweep that finds it due sends it."""
    people = await customer_service.get_customers(connection, tenant, {group.customer_id})
    owner = people.get(group.customer_id)
    locale = page_locale(owner.locale if owner else None)
    count = group.participant_count
    await outbox.enqueue(
        connection, kind="reminder", event_id=f"{group.id}:{stage}", to=_email(owner), locale=locale,
        context=email_context(group, brand=(await brand_service.get_brand(connection, tenant)).as_context(),
                              owner=owner, recipient=owner, locale=locale, campaign="midway_reminder",
                              public_url=outbox.public_url, stage=stage, participant_count=count,
                              seconds_left=max(0, int((group.expires_at - clock.now()).total_seconds())),
                              next_level=next_level(group, count) if count > 1 else None),
    )


def _email(customer: Customer | None) -> str | None:
    return customer.email_address if customer is not None and not customer.is_deleted else None
