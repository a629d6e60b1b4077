"""Referral groups as the rest of the code sees them: frozen values built from their rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import GroupStatus, ReminderState, payment_groups
from kohort.models.base import check_row_shape
from kohort.organization.domain import levels_from_stored
from kohort.organization.ladder import DiscountLevel, DiscountType, Ladder
from kohort.tenant import Tenant

# The statuses live in models (below every service); re-exported here for pages, which never import models.
__all__ = ["GroupOrder", "GroupStatus", "JoinedGroup", "ReferralGroup", "ReminderState"]

_COLUMNS = [column.name for column in payment_groups.columns]
_WIDTH = len(_COLUMNS)
_STATUS = _COLUMNS.index("status")
_REMINDER = _COLUMNS.index("reminder_email_sent")
_DISCOUNT_TYPE = _COLUMNS.index("discount_type")
_LEVELS = _COLUMNS.index("discount_levels")


@dataclass(frozen=True, slots=True)
class ReferralGroup:
    id: str
    organization_id: str
    livemode: bool
    share_id: str
    # Upper-cased share code, for case-insensitive look-ups.
    share_key: str
    customer_id: str
    creator_email: str | None
    status: GroupStatus
    metadata: dict[str, str] | None
    expires_at: datetime
    mid_expire_at: datetime | None
    j_minus2_expire_at: datetime | None
    j_plus3_start_at: datetime | None
    reminder_email_sent: ReminderState
    canceled_at: datetime | None
    completed_at: datetime | None
    participant_count: int
    # The copy of the organization's settings taken at the group's creation.
    settings_id: str
    discount_type: DiscountType
    discount_levels: tuple[DiscountLevel, ...]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None
    cashback_hold_days: int
    # Completion + hold; None until the group completes.
    cashback_available_at: datetime | None
    # When the hold ended and the cashback became withdrawable; None while the group is settling.
    cashback_released_at: datetime | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ReferralGroup:
        """From a row starting with the columns of `select(payment_groups)` in order (by position:
        the order path builds one per request); columns beyond them are the caller's."""
        values = list(row)
        del values[_WIDTH:]
        values[_STATUS] = GroupStatus(values[_STATUS])
        values[_REMINDER] = ReminderState(values[_REMINDER])
        values[_DISCOUNT_TYPE] = DiscountType(values[_DISCOUNT_TYPE])
        values[_LEVELS] = levels_from_stored(values[_LEVELS])
        return cls(*values)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)

    @property
    def ladder(self) -> Ladder:
        return Ladder.of(self.discount_type, self.discount_levels)


@dataclass(frozen=True, slots=True)
class JoinedGroup:
    """A seat taken in a group: the group right after, and the fee rate of its organization."""

    group: ReferralGroup
    acquisition_fee_basis_points: int


@dataclass(frozen=True, slots=True)
class GroupOrder:
    """What settlement needs of one order of a completing group."""

    id: str
    group_id: str
    # Net of refunds: a fully refunded order (0) is no participant.
    amount: int
    application_fee_amount: int


check_row_shape(payment_groups, ReferralGroup)
