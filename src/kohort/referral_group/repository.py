"""Queries for referral groups, always inside one tenant."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page, insert_ignoring_conflicts
from kohort.kit.ids import share_code_key
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import GroupStatus, ReminderState, customers, orders, organizations, payment_groups
from kohort.referral_group.domain import JoinedGroup, ReferralGroup
from kohort.tenant import Tenant, tenant_scope

LIST_COLUMNS = wire_columns(payment_groups, exclude=frozenset({"share_key", "settings_id"}))
# A search by the owner's email (`creatorEmail:…`) does not find a soft-deleted owner through their groups.
_EMAIL_SEARCH = re.compile(r"creator_?email", re.IGNORECASE)
_OWNER_DELETED = exists().where(customers.c.id == payment_groups.c.customer_id, customers.c.deleted_at.is_not(None))

# The order path's statements, built once (see kohort.tenant.tenant_scope).
_BY_ID = select(payment_groups).where(tenant_scope(payment_groups), payment_groups.c.id == bindparam("reference"))
_BY_SHARE_KEY = select(payment_groups).where(
    tenant_scope(payment_groups), payment_groups.c.share_key == bindparam("reference")
)
# For a join: the group and whether the customer already has an order in it, in one round trip.
_CUSTOMER_IS_MEMBER = (
    exists()
    .where(orders.c.payment_group_id == payment_groups.c.id, orders.c.customer_id == bindparam("customer_id"))
    .label("customer_is_member")
)
_BY_SHARE_KEY_FOR_CUSTOMER = select(payment_groups, _CUSTOMER_IS_MEMBER).where(
    tenant_scope(payment_groups), payment_groups.c.share_key == bindparam("reference")
)
_BY_ID_FOR_CUSTOMER = select(payment_groups, _CUSTOMER_IS_MEMBER).where(
    tenant_scope(payment_groups), payment_groups.c.id == bindparam("reference")
)
# The conditional UPDATE locks the row and re-checks the limit against the committed count, so
# concurrent joins queue on the row and the group can never exceed `max_participants`, on any number
# of processes.
_TAKE_SEAT = (
    update(payment_groups)
    .where(
        tenant_scope(payment_groups),
        payment_groups.c.status == GroupStatus.OPEN,
        payment_groups.c.expires_at > bindparam("now"),
        payment_groups.c.participant_count < payment_groups.c.max_participants,
    )
    .values(participant_count=payment_groups.c.participant_count + 1, updated_at=bindparam("now"))
    # The joiner's fee rate comes back with the seat, sparing the order path one round trip.
    .returning(
        payment_groups,
        select(organizations.c.acquisition_fee_basis_points)
        .where(organizations.c.id == payment_groups.c.organization_id)
        .scalar_subquery()
        .label("acquisition_fee_basis_points"),
    )
)
_CLAIM_SEAT = _TAKE_SEAT.where(payment_groups.c.id == bindparam("group_id"))

# A join's happy path in one round trip: `_CLAIM_SEAT` on the group a share code (or id) names, only if
# the shopper could take the seat (not its owner, no order in it yet, the amount reaches its minimum).
# No row: the caller reads the group to say why, as `check_can_take` always did.
_CLAIMABLE_BY = and_(
    payment_groups.c.customer_id.is_distinct_from(bindparam("joiner_id")),
    ~exists().where(orders.c.payment_group_id == payment_groups.c.id, orders.c.customer_id == bindparam("joiner_id")),
    payment_groups.c.min_purchase_value <= bindparam("joiner_amount"),
)
_CLAIM_SEAT_BY_SHARE_KEY = _TAKE_SEAT.where(
    payment_groups.c.share_key == bindparam("reference"), _CLAIMABLE_BY
)
_CLAIM_SEAT_BY_ID = _TAKE_SEAT.where(payment_groups.c.id == bindparam("reference"), _CLAIMABLE_BY)


def _group(row: Sequence[Any] | None) -> ReferralGroup | None:
    return ReferralGroup.from_row(row) if row is not None else None


async def insert_unless_code_taken(connection: AsyncConnection, values: dict[str, Any]) -> ReferralGroup | None:
    """Insert a group, or return None if its share code is already used (the caller draws another)."""
    statement = insert_ignoring_conflicts(connection, payment_groups, ["share_key"], returning=True)
    return _group((await connection.execute(statement, values)).first())


async def get(connection: AsyncConnection, tenant: Tenant, reference: str) -> ReferralGroup | None:
    """By id (`pg_…`) or by share code, case-insensitively (legacy `KHTPAY-` codes included)."""
    if reference.startswith("pg_"):
        statement, key = _BY_ID, reference
    else:
        statement, key = _BY_SHARE_KEY, share_code_key(reference)
    return _group((await connection.execute(statement, {**tenant.params(), "reference": key})).first())


async def get_for_customer(
    connection: AsyncConnection, tenant: Tenant, reference: str, customer_id: str
) -> tuple[ReferralGroup, bool] | None:
    """Like `get`, with whether the customer already has an order in the group."""
    if reference.startswith("pg_"):
        statement, key = _BY_ID_FOR_CUSTOMER, reference
    else:
        statement, key = _BY_SHARE_KEY_FOR_CUSTOMER, share_code_key(reference)
    parameters = {**tenant.params(), "reference": key, "customer_id": customer_id}
    row = (await connection.execute(statement, parameters)).first()
    return (ReferralGroup.from_row(row), bool(row[-1])) if row is not None else None


async def claim_seat(connection: AsyncConnection, tenant: Tenant, group_id: str, now: datetime) -> JoinedGroup | None:
    """Take one place in an open, running, not-full group, atomically (one conditional UPDATE, see
    `_CLAIM_SEAT`), returning the group and its organization's `acquisition_fee_basis_points`. None
    means the group cannot take anyone (the caller re-reads it to say why)."""
    parameters = {**tenant.params(), "group_id": group_id, "now": now}
    row = (await connection.execute(_CLAIM_SEAT, parameters)).first()
    if row is None:
        return None
    return JoinedGroup(group=ReferralGroup.from_row(row), acquisition_fee_basis_points=int(row[-1]))


async def claim_seat_for(
    connection: AsyncConnection, tenant: Tenant, reference: str, *, customer_id: str, amount: int, now: datetime
) -> JoinedGroup | None:
    """`claim_seat` on the group `reference` names (as `get`), if this customer may take a seat in it for
    `amount`; None when it cannot (unknown group, or a refusal: the caller finds out which)."""
    if reference.startswith("pg_"):
        statement, key = _CLAIM_SEAT_BY_ID, reference
    else:
        statement, key = _CLAIM_SEAT_BY_SHARE_KEY, share_code_key(reference)
    parameters = {**tenant.params(), "reference": key, "joiner_id": customer_id, "joiner_amount": amount, "now": now}
    row = (await connection.execute(statement, parameters)).first()
    if row is None:
        return None
    return JoinedGroup(group=ReferralGroup.from_row(row), acquisition_fee_basis_points=int(row[-1]))


async def has_member(
    connection: AsyncConnection, group_id: str, *, customer_id: str | None = None, email: str | None = None
) -> bool:
    """Whether the group already holds an order of this customer (by id or by email)."""
    statement = select(orders.c.id).where(orders.c.payment_group_id == group_id)
    if customer_id is not None:
        statement = statement.where(orders.c.customer_id == customer_id)
    if email is not None:
        statement = statement.join(customers, customers.c.id == orders.c.customer_id).where(
            customers.c.email_key == email.strip().lower()
        )
    return (await connection.execute(statement.limit(1))).first() is not None


async def update_if(
    connection: AsyncConnection,
    tenant: Tenant,
    group_id: str,
    *,
    expected_status: GroupStatus,
    max_participants: int | None = None,
    running_at: datetime | None = None,
    values: dict[str, Any],
) -> ReferralGroup | None:
    """A conditional status change: applies only if the group is still in `expected_status` (and holds at
    most `max_participants`, and has not reached its end at `running_at`). None means somebody else
    changed it first."""
    conditions = [tenant.owns(payment_groups), payment_groups.c.id == group_id, payment_groups.c.status == expected_status]
    if max_participants is not None:
        conditions.append(payment_groups.c.participant_count <= max_participants)
    if running_at is not None:
        conditions.append(payment_groups.c.expires_at > running_at)
    statement = update(payment_groups).where(*conditions).values(**values).returning(payment_groups)
    return _group((await connection.execute(statement)).first())


async def release_seat(
    connection: AsyncConnection, tenant: Tenant, group_id: str, *, ended: tuple[GroupStatus, ...]
) -> None:
    """One participant fewer in a group that ended in one of `ended` (its order moved to a new group)."""
    statement = (
        update(payment_groups)
        .where(
            tenant.owns(payment_groups),
            payment_groups.c.id == group_id,
            payment_groups.c.status.in_(ended),
            payment_groups.c.participant_count > 0,
        )
        .values(participant_count=payment_groups.c.participant_count - 1)
    )
    await connection.execute(statement)


async def update_fields(
    connection: AsyncConnection, tenant: Tenant, group_id: str, values: dict[str, Any]
) -> ReferralGroup:
    statement = (
        update(payment_groups)
        .where(tenant.owns(payment_groups), payment_groups.c.id == group_id)
        .values(**values)
        .returning(payment_groups)
    )
    return ReferralGroup.from_row((await connection.execute(statement)).one())


async def list_groups(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[ReferralGroup], int]:
    conditions = [tenant.owns(payment_groups)]
    if params.search and _EMAIL_SEARCH.search(params.search):
        conditions.append(~_OWNER_DELETED)
    return await fetch_page(
        connection, payment_groups, columns=LIST_COLUMNS, params=params, conditions=conditions,
        build=ReferralGroup.from_row,
    )


async def get_many(connection: AsyncConnection, tenant: Tenant, group_ids: set[str]) -> dict[str, ReferralGroup]:
    if not group_ids:
        return {}
    statement = select(payment_groups).where(tenant.owns(payment_groups), payment_groups.c.id.in_(group_ids))
    groups = (ReferralGroup.from_row(row) for row in (await connection.execute(statement)).all())
    return {group.id: group for group in groups}


async def find_by_share_code(connection: AsyncConnection, code: str) -> ReferralGroup | None:
    """A group by its share code in any tenant. Only for shopper pages, where the code itself is what
    a shopper holds (codes are unique across tenants); merchants always go through `get`."""
    statement = select(payment_groups).where(payment_groups.c.share_key == share_code_key(code))
    return _group((await connection.execute(statement)).first())


async def claim_due_reminders(
    connection: AsyncConnection, *, now: datetime, limit: int
) -> list[tuple[ReferralGroup, str]]:
    """Advance the reminder state of up to `limit` OPEN, running groups whose next reminder is due, and
    return them with the stage to send (midway, first or last). A conditional write on the state, with
    SKIP LOCKED on PostgreSQL, so concurrent sweeps never send the same reminder twice.

    Unlike the original, groups that friends already joined get their reminders too (BEHAVIOUR.md §9.3)."""
    not_sent = payment_groups.c.reminder_email_sent == ReminderState.NOT_SENT
    last_due = and_(payment_groups.c.j_minus2_expire_at <= now,
                    payment_groups.c.reminder_email_sent.in_((ReminderState.NOT_SENT, ReminderState.DAY3_SENT)))
    first_due = and_(payment_groups.c.j_plus3_start_at <= now, not_sent)
    midway_due = and_(payment_groups.c.mid_expire_at <= now, not_sent)
    due = (
        select(payment_groups.c.id)
        .where(
            payment_groups.c.status == GroupStatus.OPEN, payment_groups.c.expires_at > now,
            or_(last_due, first_due, midway_due),
        )
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list((await connection.execute(due)).scalars())
    if not ids:
        return []
    # A long group whose "end − 5 days" comes before "start + 7 days" gets only the last reminder.
    new_state = case(
        (last_due, ReminderState.DAY2_BEFORE_END_SENT.value), (first_due, ReminderState.DAY3_SENT.value),
        else_=ReminderState.MIDWAY_SENT.value,
    )
    statement = (
        update(payment_groups)
        .where(
            payment_groups.c.id.in_(ids), payment_groups.c.status == GroupStatus.OPEN,
            or_(last_due, first_due, midway_due),
        )
        .values(reminder_email_sent=new_state, updated_at=now)
        .returning(payment_groups)
    )
    stages = {ReminderState.DAY2_BEFORE_END_SENT: "last", ReminderState.DAY3_SENT: "first",
              ReminderState.MIDWAY_SENT: "midway"}
    groups = [ReferralGroup.from_row(row) for row in (await connection.execute(statement)).all()]
    return [(group, stages[group.reminder_email_sent]) for group in groups]


async def lock(connection: AsyncConnection, tenant: Tenant, group_id: str) -> ReferralGroup | None:
    """The group, its row locked until the transaction ends: joins, settlement, the hold's end and refunds
    of its orders all take this lock first, so each sees the others' changes whole."""
    statement = select(payment_groups).where(tenant.owns(payment_groups), payment_groups.c.id == group_id)
    return _group((await connection.execute(statement.with_for_update())).first())


async def set_participant_count(
    connection: AsyncConnection, tenant: Tenant, group_id: str, *, participants: int, now: datetime
) -> ReferralGroup:
    """The group's count of participating (not fully refunded) orders, recounted under the group's lock."""
    statement = (
        update(payment_groups)
        .where(tenant.owns(payment_groups), payment_groups.c.id == group_id)
        .values(participant_count=participants, updated_at=now)
        .returning(payment_groups)
    )
    return ReferralGroup.from_row((await connection.execute(statement)).one())


async def groups_of_owner(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> list[ReferralGroup]:
    """The groups a customer created, oldest first."""
    statement = (
        select(payment_groups)
        .where(tenant.owns(payment_groups), payment_groups.c.customer_id == customer_id)
        .order_by(payment_groups.c.created_at, payment_groups.c.id)
    )
    return [ReferralGroup.from_row(row) for row in (await connection.execute(statement)).all()]


async def erase_creator_email(connection: AsyncConnection, tenant: Tenant, customer_id: str, *, email: str) -> None:
    """The owner's email copied on their groups replaced by the erasure's pseudonym."""
    await connection.execute(
        update(payment_groups)
        .where(tenant.owns(payment_groups), payment_groups.c.customer_id == customer_id)
        .values(creator_email=email)
    )


async def replace_metadata(
    connection: AsyncConnection, tenant: Tenant, group_id: str, metadata: dict[str, Any] | None
) -> None:
    await connection.execute(
        update(payment_groups).where(tenant.owns(payment_groups), payment_groups.c.id == group_id).values(metadata=metadata)
    )
