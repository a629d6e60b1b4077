"""The GDPR erasure and access export of one customer, across every domain that holds their data.

Each domain's repository owns the statements on its table; this service decides what is removed and
what is written instead (kohort.privacy.domain), in the one transaction of the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback import service as cashback_service
from kohort.customer import repository as customer_repository
from kohort.customer.domain import Customer, CustomerChanges
from kohort.customer.names import display_name
from kohort.email.outbox import JOB_KIND as EMAIL_JOB
from kohort.email.outbox import Outbox, recipient_digest, subject_of_dedupe_key
from kohort.errors import Conflict, NotFound
from kohort.events import repository as events_repository
from kohort.events.domain import Event
from kohort.idempotency import repository as idempotency_repository
from kohort.kit import clock
from kohort.kit.crypto import Cipher, DecryptionError
from kohort.order import repository as order_repository
from kohort.order.domain import Order
from kohort.payout import repository as payout_repository
from kohort.payout import service as payout_service
from kohort.payout.domain import BatchStatus, Payout, PayoutBatch, PayoutStatus
from kohort.privacy.domain import ERASED, CustomerRecord, PersonalData, pseudonym_email
from kohort.referral_group import repository as group_repository
from kohort.referral_group.domain import ReferralGroup
from kohort.refund import repository as refund_repository
from kohort.tenant import Tenant
from kohort.worker import repository as job_repository
from kohort.worker.domain import Job

# Money on its way to the shopper: their IBAN and name are still needed to pay them.
_UNSETTLED = frozenset({PayoutStatus.PENDING, PayoutStatus.IN_BATCH, PayoutStatus.REQUIRES_ATTENTION})


async def _customer(connection: AsyncConnection, tenant: Tenant, customer_id: str, *, lock: bool) -> Customer:
    # Deleted customers included: a soft delete hides them, it does not remove their data.
    if lock:
        customer = await customer_repository.lock(connection, tenant, customer_id)
    else:
        customer = await customer_repository.get(connection, tenant, customer_id, include_deleted=True)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    return customer


def _subject(job: Job) -> tuple[str, str]:
    return subject_of_dedupe_key(job.dedupe_key or "") or ("", "")


async def _emails_about(connection: AsyncConnection, subjects: set[str]) -> list[Job]:
    """Email jobs about one of `subjects` (ids of the customer's orders, groups, payouts and of events
    about them: ids are unique, so these are the tenant's), whoever they are addressed to."""
    patterns = [f"email:%:{subject}:%" for subject in sorted(subjects)]
    jobs = await job_repository.jobs_with_dedupe_keys_like(connection, EMAIL_JOB, patterns)
    return [job for job in jobs if _subject(job)[0] in subjects]


def _addressed_to(jobs: list[Job], addresses: set[str]) -> list[Job]:
    digests = {recipient_digest(address) for address in addresses}
    return [job for job in jobs if _subject(job)[1] in digests]


@dataclass(frozen=True)
class _Traces:
    """Where the customer's data may be copied: `needles` (their ids and texts) find the events and stored
    answers showing it; `subjects` (those ids, the events', the other members' orders') find the emails."""

    needles: list[str]
    events: list[Event]
    subjects: set[str]


async def _traces(
    connection: AsyncConnection, tenant: Tenant, customer: Customer, orders: list[Order],
    groups: list[ReferralGroup], payouts: list[Payout], texts: list[str],
) -> _Traces:
    group_ids = {*(group.id for group in groups), *(order.payment_group_id for order in orders if order.payment_group_id)}
    # Payout events name no customer, only the order; the other members' order events name the group.
    ids = {customer.id, *(order.id for order in orders), *group_ids, *(payout.id for payout in payouts)}
    needles = [*sorted(ids), *texts]
    events = await events_repository.mentioning(connection, tenant, needles)
    # The other members' emails about their own orders name the group's owner and members.
    members = await order_repository.orders_of_groups(connection, sorted(group_ids))
    return _Traces(needles=needles, events=events,
                   subjects=ids | {order.id for order in members} | {event.id for event in events})


async def export_customer(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> CustomerRecord:
    customer = await _customer(connection, tenant, customer_id, lock=False)
    orders = await order_repository.orders_of_customer(connection, tenant, customer.id)
    order_ids = [order.id for order in orders]
    owned = await group_repository.groups_of_owner(connection, tenant, customer.id)
    joined_ids = {order.payment_group_id for order in orders if order.payment_group_id} - {group.id for group in owned}
    joined = await group_repository.get_many(connection, tenant, joined_ids)
    payouts = await payout_repository.payouts_of_orders(connection, tenant, order_ids)
    addresses = {customer.email_address, *(order.customer_email for order in orders if order.customer_email)}
    traces = await _traces(connection, tenant, customer, orders, owned, payouts, sorted(addresses))
    return CustomerRecord(
        customer=customer,
        orders=orders,
        groups_owned=owned,
        groups_joined=sorted(joined.values(), key=lambda group: (group.created_at, group.id)),
        refunds=await refund_repository.refunds_of_orders(connection, tenant, order_ids),
        payouts=payouts,
        emails=_addressed_to(await _emails_about(connection, traces.subjects), addresses),
        cashback_owed=(await cashback_service.cashback_owed(connection, tenant, [customer.id]))[customer.id],
    )


def _refuse_money_in_flight(payouts: list[Payout], batches: list[PayoutBatch]) -> None:
    """Erasing the IBAN of a payout not yet executed would lose the shopper's money, and rewriting a file
    the merchant may still upload would break it: the merchant settles these first."""
    unconfirmed = {batch.id for batch in batches if batch.status != BatchStatus.CONFIRMED}
    for payout in payouts:
        if payout.status in _UNSETTLED or payout.batch_id in unconfirmed:
            raise Conflict(
                f"Payout {payout.id} of this customer is not settled yet (status {payout.status.value}"
                f"{'' if payout.batch_id is None else f', batch {payout.batch_id}'}): confirm its batch or fail "
                "the payout, then erase the customer.",
                code="CUSTOMER_PAYOUT_IN_FLIGHT",
            )


def _personal_data(
    cipher: Cipher, customer: Customer, orders: list[Order], groups: list[ReferralGroup], payouts: list[Payout]
) -> PersonalData:
    people = [(customer.first_name, customer.last_name)] + [
        (order.customer_first_name, order.customer_last_name) for order in orders
    ]
    phones = [customer.phone_number, *(order.customer_phone_number for order in orders)]
    holders = [payout.holder_name for payout in payouts]
    names = [name for person in people for name in person]
    return PersonalData.of(
        emails=[customer.email_address, *(order.customer_email for order in orders),
                *(group.creator_email for group in groups)],
        values=[
            *names, *phones, *holders,
            *(display_name(first, last) for first, last in people),
            *(" ".join(part for part in person if part) for person in people),
        ],
        words=[*names, *phones, *holders],
        ibans=[*(payout_service.stored_iban(cipher, payout) for payout in payouts),
               *(payout.iban_masked for payout in payouts if payout.iban_masked != ERASED)],
        pseudonym=pseudonym_email(customer.id),
    )


def _scrubbed_body(personal: PersonalData, body: bytes) -> bytes:
    try:
        return json.dumps(personal.scrub(json.loads(body)), ensure_ascii=False, separators=(",", ":")).encode()
    except ValueError:
        return (personal.scrub_text(body.decode("utf-8", "replace")) or "").encode()


async def erase_customer(
    connection: AsyncConnection, tenant: Tenant, actor: str, customer_id: str, outbox: Outbox
) -> Customer:
    """Replace the customer's personal data everywhere it is held with a stable pseudonym (amounts, the
    ledger and ids stay). Irreversible; erasing again returns the erased customer unchanged."""
    customer = await _customer(connection, tenant, customer_id, lock=True)
    if customer.is_erased:
        return customer
    orders = await order_repository.orders_of_customer(connection, tenant, customer.id)
    payouts = await payout_repository.payouts_of_orders(connection, tenant, [order.id for order in orders])
    batches = await payout_repository.batches_by_ids(
        connection, tenant, sorted({payout.batch_id for payout in payouts if payout.batch_id})
    )
    _refuse_money_in_flight(payouts, batches)
    groups = await group_repository.groups_of_owner(connection, tenant, customer.id)
    personal = _personal_data(outbox.cipher, customer, orders, groups, payouts)
    traces = await _traces(connection, tenant, customer, orders, groups, payouts, personal.search_texts)
    stale_keys = await idempotency_repository.responses_containing(connection, tenant, traces.needles)
    emails = await _emails_about(connection, traces.subjects)

    now = clock.now()
    changes: CustomerChanges = {
        "email_address": personal.pseudonym, "email_key": personal.pseudonym, "first_name": None,
        "last_name": None, "phone_number": None, "metadata": None, "erased_at": now, "erased_by": actor,
        "updated_at": now, "updated_by": actor,
    }
    erased = await customer_repository.erase_once(connection, tenant, customer.id, changes)
    if erased is None:  # erased by a concurrent request meanwhile (SQLite takes no row lock)
        return await _customer(connection, tenant, customer.id, lock=False)
    await order_repository.erase_customer_copies(connection, tenant, customer.id, email=personal.pseudonym)
    await group_repository.erase_creator_email(connection, tenant, customer.id, email=personal.pseudonym)
    await _erase_merchant_texts(connection, tenant, personal, orders, groups)
    await payout_repository.erase_holders(connection, tenant, [payout.id for payout in payouts], masked=ERASED)
    for batch in batches:
        theirs = [payout.end_to_end_id for payout in payouts if payout.batch_id == batch.id]
        await payout_service.erase_from_batch_file(connection, tenant, outbox.cipher, batch, theirs, placeholder=ERASED)
    for event in traces.events:
        data, refs = personal.scrub(event.data), personal.scrub(event.refs)
        if (data, refs) != (event.data, event.refs):
            await events_repository.rewrite(connection, tenant, event.id, data=data, refs=refs)
    for key, body in stale_keys:
        await idempotency_repository.rewrite_response(connection, tenant, key, _scrubbed_body(personal, body))
    await _erase_emails(connection, outbox, personal, emails)
    return erased


async def _erase_merchant_texts(
    connection: AsyncConnection, tenant: Tenant, personal: PersonalData, orders: list[Order],
    groups: list[ReferralGroup],
) -> None:
    """What the merchant wrote about the customer in free text (metadata, refund reasons) loses their data too."""
    for order in orders:
        if order.metadata and (metadata := personal.scrub(order.metadata, nullable=False)) != order.metadata:
            await order_repository.replace_metadata(connection, tenant, order.id, metadata)
    for group in groups:
        if group.metadata and (metadata := personal.scrub(group.metadata, nullable=False)) != group.metadata:
            await group_repository.replace_metadata(connection, tenant, group.id, metadata)
    for refund in await refund_repository.refunds_of_orders(connection, tenant, [order.id for order in orders]):
        if refund.reason and (reason := personal.scrub_text(refund.reason)) != refund.reason:
            await refund_repository.replace_reason(connection, tenant, refund.id, reason)


async def _erase_emails(connection: AsyncConnection, outbox: Outbox, personal: PersonalData, jobs: list[Job]) -> None:
    """Emails to the customer are dropped (sent or not: their sealed copy names them); emails to others
    about them (a group owner told who joined) are sealed again without their data."""
    dropped = {job.id for job in _addressed_to(jobs, set(personal.emails))}
    await job_repository.delete_jobs(connection, sorted(dropped))
    for job in jobs:
        if job.id in dropped:
            continue
        try:
            data: dict[str, Any] = outbox.unseal(job.payload)
        except (DecryptionError, KeyError):
            # Sealed under another key: nothing readable to rewrite, so nothing is kept of it.
            await job_repository.delete_jobs(connection, [job.id])
            continue
        scrubbed = personal.scrub(data)
        if scrubbed != data:
            await job_repository.replace_payload(connection, job.id, outbox.reseal(job.payload, scrubbed))
