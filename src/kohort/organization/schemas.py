"""Wire schemas for group settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kohort.wire import Cents, Timestamp, WholeNumber, WireModel

DiscountType = Literal["PERCENTAGE", "AMOUNT"]


class DiscountLevel(WireModel):
    level: int
    participants_to_unlock: int
    value: int


class DiscountLevelInput(WireModel):
    participants_to_unlock: WholeNumber = Field(ge=2, le=1000)
    # Whole percent (PERCENTAGE) or whole euros (AMOUNT), as the original and the plugins expect.
    value: WholeNumber = Field(ge=0, le=100_000)


class GroupSettings(WireModel):
    id: str
    livemode: bool
    organization_id: str
    discount_type: DiscountType
    discount_levels: list[DiscountLevel]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int
    created_at: Timestamp
    updated_at: Timestamp


class GroupSettingsUpdate(WireModel):
    discount_type: DiscountType | None = None
    discount_levels: list[DiscountLevelInput] | None = Field(default=None, min_length=1, max_length=5)
    max_participants: WholeNumber | None = Field(default=None, ge=2, le=1000)
    minutes_duration: WholeNumber | None = Field(default=None, ge=1, le=129_600)
    min_purchase_value: Cents | None = None
