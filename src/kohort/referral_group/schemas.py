"""Wire schemas for referral groups."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from kohort.http.schemas import Cents, Email, Metadata, MetadataContents, Timestamp, WireModel
from kohort.organization import ladder
from kohort.organization.schemas import DiscountLevel, DiscountType, to_wire_levels
from kohort.referral_group.domain import ReferralGroup

GroupStatus = Literal["OPEN", "COMPLETED", "CANCELED", "EXPIRED"]


class GroupSettingsCopy(WireModel):
    """The settings a group was created with; later changes to the organization's settings don't touch it."""

    id: str
    discount_type: DiscountType
    discount_levels: list[DiscountLevel]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int

    @classmethod
    def from_group(cls, group: ReferralGroup) -> GroupSettingsCopy:
        return cls(
            id=group.settings_id,
            discount_type=group.discount_type.value,
            discount_levels=to_wire_levels(group.discount_levels),
            max_participants=group.max_participants,
            minutes_duration=group.minutes_duration,
            min_purchase_value=group.min_purchase_value,
        )


class PaymentGroup(WireModel):
    id: str
    share_id: str
    livemode: bool
    organization_id: str
    customer_id: str
    creator_email: str | None
    status: GroupStatus
    metadata: MetadataContents | None
    expires_at: Timestamp
    mid_expire_at: Timestamp | None
    j_minus2_expire_at: Timestamp | None
    j_plus3_start_at: Timestamp | None
    reminder_email_sent: str
    participant_count: int
    created_at: Timestamp
    created_by: str | None
    updated_at: Timestamp
    updated_by: str | None
    canceled_at: Timestamp | None
    completed_at: Timestamp | None


class PaymentGroupCreate(WireModel):
    customer_id: str = Field(max_length=50)
    # The order to put in the new group; `paymentIntentId` (a `pi_…` id, or an order id) is the
    # original's name for it, which its SDK sends. One of the two is required; `orderId` wins.
    order_id: str | None = Field(default=None, max_length=50)
    payment_intent_id: str | None = Field(default=None, max_length=50)
    metadata: Metadata = None
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _names_an_order(self) -> PaymentGroupCreate:
        if not (self.order_id or self.payment_intent_id):
            raise ValueError("Either orderId or paymentIntentId is required.")
        return self

    @property
    def order_reference(self) -> str:
        return self.order_id or self.payment_intent_id or ""


class PaymentGroupUpdate(WireModel):
    metadata: Metadata = None
    creator_email: Email | None = None


class GroupValidate(WireModel):
    customer_email: Email | None = None
    amount: Cents | None = None


class GroupValidation(WireModel):
    """What a cart needs to show a code's value. No participant's personal data: not even the owner's
    email (the original returned every member's customer record here)."""

    id: str
    share_id: str
    livemode: bool
    organization_id: str
    status: GroupStatus
    expires_at: Timestamp
    created_at: Timestamp
    participant_count: int
    discount_type: DiscountType
    discount_levels: list[DiscountLevel]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int
    payment_group_settings: GroupSettingsCopy
    current_discount_level: DiscountLevel | None


def to_wire_group(group: ReferralGroup) -> PaymentGroup:
    return PaymentGroup.model_validate(group, from_attributes=True)


def to_wire_validation(group: ReferralGroup, *, current_level: ladder.DiscountLevel | None) -> GroupValidation:
    settings = GroupSettingsCopy.from_group(group)
    return GroupValidation(
        id=group.id,
        share_id=group.share_id,
        livemode=group.livemode,
        organization_id=group.organization_id,
        status=group.status.value,
        expires_at=group.expires_at,
        created_at=group.created_at,
        participant_count=group.participant_count,
        discount_type=settings.discount_type,
        discount_levels=settings.discount_levels,
        max_participants=settings.max_participants,
        minutes_duration=settings.minutes_duration,
        min_purchase_value=settings.min_purchase_value,
        payment_group_settings=settings,
        current_discount_level=DiscountLevel.from_level(current_level) if current_level else None,
    )
