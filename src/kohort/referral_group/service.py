"""Group use cases. Every state change is a conditional write; see repository.claim_seat/update_if."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import KohortError, NotFound
from kohort.events import service as events
from kohort.events.domain import GroupCanceled, GroupExpired
from kohort.kit import clock
from kohort.kit.ids import new_id, new_share_code, share_code_key
from kohort.kit.listing import ListParams
from kohort.models import GroupStatus, ReminderState
from kohort.organization.domain import GroupSettings, levels_to_stored
from kohort.referral_group import lifecycle, repository, settlement_repository
from kohort.referral_group.domain import JoinedGroup, ReferralGroup
from kohort.referral_group.schemas import PaymentGroupUpdate, to_wire_group
from kohort.tenant import Tenant
from kohort.worker.queue import enqueue

SHARE_CODE_ATTEMPTS = 8
# The job that settles a group as soon as it is full (referral_group.tasks).
SETTLE_GROUP_JOB = "referral_group.settle"
MIN_EXPLICIT_DURATION = timedelta(minutes=1)
MAX_EXPLICIT_DURATION = timedelta(days=90)


class GroupNotFound(NotFound):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Group {reference} not found.", code="NOT_FOUND")


def _ended(reference: str) -> KohortError:
    return KohortError(
        f"Group {reference} is already canceled, expired or completed.", code="COMPLETED_EXPIRED_CANCELED"
    )


def _full(reference: str) -> KohortError:
    return KohortError(
        f"Maximum number of participants reached for group {reference}.", code="MAX_PARTICIPANTS_REACHED"
    )


def _already_in(who: str, reference: str) -> KohortError:
    return KohortError(f"Customer {who} is already in group {reference}.", code="EMAIL_ALREADY_USED")


def _too_low(amount: int, minimum: int) -> KohortError:
    return KohortError(f"Amount {amount} is below the minimum purchase value of {minimum}.", code="AMOUNT_TOO_LOW")


async def get_group(connection: AsyncConnection, tenant: Tenant, reference: str) -> ReferralGroup:
    group = await repository.get(connection, tenant, reference)
    if group is None:
        raise GroupNotFound(reference)
    return group


async def open_group(
    connection: AsyncConnection,
    tenant: Tenant,
    actor: str,
    *,
    owner_id: str,
    owner_email: str | None,
    settings: GroupSettings,
    metadata: dict[str, str] | None = None,
    expires_at: datetime | None = None,
) -> ReferralGroup:
    """A new OPEN group owned by the customer `owner_id`, holding one participant (the caller attaches
    the order) and a copy of the settings in force now."""
    now = clock.now()
    values: dict[str, Any] = {
        "id": new_id("pg"),
        **tenant.stamp(),
        "customer_id": owner_id,
        "creator_email": owner_email,
        "status": GroupStatus.OPEN,
        "metadata": metadata,
        **lifecycle.schedule(now, minutes_duration=settings.minutes_duration, expires_at=expires_at),
        "reminder_email_sent": ReminderState.NOT_SENT,
        "canceled_at": None,
        "completed_at": None,
        "participant_count": 1,
        "settings_id": new_id("pgset"),
        "discount_type": settings.discount_type,
        "discount_levels": levels_to_stored(settings.discount_levels),
        "max_participants": settings.max_participants,
        "minutes_duration": settings.minutes_duration,
        "min_purchase_value": settings.min_purchase_value,
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
        "cashback_hold_days": settings.cashback_hold_days,
        "cashback_available_at": None,
        "cashback_released_at": None,
    }
    for _ in range(SHARE_CODE_ATTEMPTS):
        share_id = new_share_code(livemode=tenant.livemode, prefix=settings.share_code_prefix)
        group = await repository.insert_unless_code_taken(
            connection, {**values, "share_id": share_id, "share_key": share_code_key(share_id)}
        )
        if group is not None:
            return group
    raise KohortError("Could not draw a free share code; retry the request.", code="SHARE_CODE_EXHAUSTED")


def check_explicit_end(expires_at: datetime, now: datetime) -> datetime:
    if expires_at.tzinfo is None:
        raise KohortError("expiresAt must include a time zone (e.g. 2025-01-31T12:00:00.000Z).", code="VALIDATION_ERROR")
    if not now + MIN_EXPLICIT_DURATION <= expires_at <= now + MAX_EXPLICIT_DURATION:
        raise KohortError("expiresAt must be between 1 minute and 90 days from now.", code="VALIDATION_ERROR")
    return expires_at


async def check_can_take(
    connection: AsyncConnection,
    group: ReferralGroup,
    reference: str,
    *,
    now: datetime,
    customer_id: str | None = None,
    customer_email: str | None = None,
    amount: int | None = None,
    customer_is_member: bool | None = None,
) -> None:
    """The share-code checks, in the original's order (§5.3): open and running, not full, the shopper
    not already in it (owner included: no self-referral), amount at least the group's minimum.
    `customer_is_member`, when the caller read it with the group, spares a query."""
    if not lifecycle.is_joinable(group, now):
        raise _ended(reference)
    if group.participant_count >= group.max_participants:
        raise _full(reference)
    if customer_id is not None and (
        customer_id == group.customer_id
        or (
            customer_is_member
            if customer_is_member is not None
            else await repository.has_member(connection, group.id, customer_id=customer_id)
        )
    ):
        raise _already_in(customer_email or customer_id, reference)
    if customer_id is None and customer_email and await repository.has_member(connection, group.id, email=customer_email):
        raise _already_in(customer_email, reference)
    if amount and amount < group.min_purchase_value:
        raise _too_low(amount, group.min_purchase_value)


async def validate_code(
    connection: AsyncConnection, tenant: Tenant, reference: str, *, customer_email: str | None, amount: int | None
) -> ReferralGroup:
    """The group a code names, if it can be used now (else the refusal is raised). No side effects."""
    reference = reference.strip()
    group = await get_group(connection, tenant, reference)
    await check_can_take(connection, group, reference, now=clock.now(), customer_email=customer_email, amount=amount)
    return group


async def join_group(
    connection: AsyncConnection, tenant: Tenant, reference: str, *, customer_id: str, customer_email: str, amount: int
) -> JoinedGroup:
    """Take a place in the group named by `reference` for this customer, or raise the validate error.
    Returns the group and its organization's `acquisition_fee_basis_points`."""
    reference = reference.strip()
    now = clock.now()
    # Most joins succeed: the seat is claimed with every check in one statement, and only a refused one
    # reads the group to say why.
    joined = await repository.claim_seat_for(
        connection, tenant, reference, customer_id=customer_id, amount=amount, now=now
    )
    if joined is None:
        found = await repository.get_for_customer(connection, tenant, reference, customer_id)
        if found is None:
            raise GroupNotFound(reference)
        group, customer_is_member = found
        await check_can_take(
            connection,
            group,
            reference,
            now=now,
            customer_id=customer_id,
            customer_email=customer_email,
            amount=amount,
            customer_is_member=customer_is_member,
        )
        joined = await repository.claim_seat(connection, tenant, group.id, now)
        if joined is None:
            # Lost a race since the read above: say which limit was hit.
            latest = await get_group(connection, tenant, group.id)
            raise _ended(reference) if not lifecycle.is_joinable(latest, now) else _full(reference)
    claimed = joined.group
    if claimed.participant_count >= claimed.max_participants:
        # Full: it settles now, not at its end (the original never managed, §13 #18). Enqueued in this
        # transaction rather than settled here, to keep the order request short; the dedupe key makes
        # the job unique per group.
        await enqueue(
            connection, SETTLE_GROUP_JOB, {"group_id": claimed.id, **tenant.stamp()},
            dedupe_key=f"settle:{claimed.id}",
        )
    return joined


async def release_seat(connection: AsyncConnection, tenant: Tenant, group_id: str) -> None:
    """The order of a canceled or expired group moved to a new group: the old one counts it no more."""
    await repository.release_seat(connection, tenant, group_id, ended=(GroupStatus.CANCELED, GroupStatus.EXPIRED))


async def cancel_group(connection: AsyncConnection, tenant: Tenant, actor: str, reference: str) -> ReferralGroup:
    group = await get_group(connection, tenant, reference)
    now = clock.now()
    refusal = lifecycle.cancel_refusal(group, now)
    if refusal is None:
        changed = await repository.update_if(
            connection, tenant, group.id, expected_status=GroupStatus.OPEN, max_participants=1, running_at=now,
            values={"status": GroupStatus.CANCELED, "canceled_at": now, "updated_at": now, "updated_by": actor},
        )
        if changed is not None:
            await events.record_event(connection, GroupCanceled(to_wire_group(changed)))
            return changed
        refusal = lifecycle.cancel_refusal(await get_group(connection, tenant, group.id), now) or "Group changed."
    raise KohortError(refusal, code="NOT_CANCELABLE")


async def expire_group(connection: AsyncConnection, tenant: Tenant, actor: str, reference: str) -> ReferralGroup:
    group = await get_group(connection, tenant, reference)
    now = clock.now()
    refusal = lifecycle.expire_refusal(group, now)
    if refusal is None:
        changed = await repository.update_if(
            connection, tenant, group.id, expected_status=GroupStatus.OPEN, max_participants=1,
            values={"status": GroupStatus.EXPIRED, "updated_at": now, "updated_by": actor},
        )
        if changed is not None:
            await events.record_event(connection, GroupExpired(to_wire_group(changed)))
            return changed
        refusal = lifecycle.expire_refusal(await get_group(connection, tenant, group.id), now) or "Group changed."
    raise KohortError(refusal, code="NOT_EXPIRABLE")


async def update_group(
    connection: AsyncConnection, tenant: Tenant, actor: str, reference: str, changes: PaymentGroupUpdate
) -> ReferralGroup:
    group = await get_group(connection, tenant, reference)
    values: dict[str, Any] = {
        key: (str(value) if key == "creator_email" and value is not None else value)
        for key, value in changes.model_dump(exclude_unset=True).items()
    }
    if "creator_email" in values and values["creator_email"] is None:
        raise KohortError("creatorEmail cannot be removed.", code="VALIDATION_ERROR")
    return await repository.update_fields(
        connection, tenant, group.id, {**values, "updated_at": clock.now(), "updated_by": actor}
    )


async def list_groups(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[ReferralGroup], int]:
    return await repository.list_groups(connection, tenant, params)


async def get_groups(connection: AsyncConnection, tenant: Tenant, group_ids: set[str]) -> dict[str, ReferralGroup]:
    return await repository.get_many(connection, tenant, group_ids)


async def find_by_share_code(connection: AsyncConnection, code: str) -> ReferralGroup:
    """The group a shopper's share code names, whatever its tenant (shopper pages only)."""
    code = code.strip()
    group = await repository.find_by_share_code(connection, code) if code else None
    if group is None:
        raise GroupNotFound(code)
    return group


async def claim_due_reminders(connection: AsyncConnection, *, limit: int) -> list[tuple[ReferralGroup, str]]:
    """Groups whose next owner reminder is due now, each marked sent (once) with the stage to send."""
    return await repository.claim_due_reminders(connection, now=clock.now(), limit=limit)


async def settled_groups(connection: AsyncConnection, group_ids: list[str]) -> list[ReferralGroup]:
    """Settled groups (any tenant: the ids come from the settling transaction itself)."""
    return await settlement_repository.settled_groups(connection, group_ids)


async def find(connection: AsyncConnection, tenant: Tenant, reference: str) -> ReferralGroup | None:
    return await repository.get(connection, tenant, reference)


async def lock_group(connection: AsyncConnection, tenant: Tenant, group_id: str) -> ReferralGroup:
    """The group, locked until the transaction ends: the one lock a refund takes before its orders."""
    group = await repository.lock(connection, tenant, group_id)
    if group is None:
        raise GroupNotFound(group_id)
    return group


async def recount(connection: AsyncConnection, tenant: Tenant, group: ReferralGroup, *, participants: int) -> ReferralGroup:
    """The group's participants after a refund (a fully refunded order counts no more); under its lock."""
    if participants == group.participant_count:
        return group
    return await repository.set_participant_count(connection, tenant, group.id, participants=participants,
                                                  now=clock.now())
