"""Wire schemas for group settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field

from kohort.http.schemas import WHOLE_NUMBER, Cents, Timestamp, WholeNumber, WireModel
from kohort.organization import domain, ladder

DiscountType = Literal["PERCENTAGE", "AMOUNT"]
# What new share codes start with: `KHT` by default, `KHTPAY` for shops running the WooCommerce plugin.
ShareCodePrefix = Literal["KHT", "KHTPAY"]
MAX_CASHBACK_HOLD_DAYS = 90


class DiscountLevel(WireModel):
    level: int
    participants_to_unlock: int
    value: int

    @classmethod
    def from_level(cls, level: ladder.DiscountLevel) -> DiscountLevel:
        return cls(level=level.level, participants_to_unlock=level.participants_to_unlock, value=level.value)


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
    share_code_prefix: ShareCodePrefix
    # Days a completed group's cashback is held (returns may still change it) before it can be withdrawn.
    cashback_hold_days: int
    created_at: Timestamp
    updated_at: Timestamp


def to_wire_levels(levels: Sequence[ladder.DiscountLevel]) -> list[DiscountLevel]:
    return [DiscountLevel.from_level(level) for level in levels]


def to_wire_settings(settings: domain.GroupSettings) -> GroupSettings:
    return GroupSettings(
        id=settings.id,
        livemode=settings.livemode,
        organization_id=settings.organization_id,
        discount_type=settings.discount_type.value,
        discount_levels=to_wire_levels(settings.discount_levels),
        max_participants=settings.max_participants,
        minutes_duration=settings.minutes_duration,
        min_purchase_value=settings.min_purchase_value,
        share_code_prefix=settings.share_code_prefix.value,
        cashback_hold_days=settings.cashback_hold_days,
        created_at=settings.created_at,
        updated_at=settings.updated_at,
    )


class GroupSettingsUpdate(WireModel):
    discount_type: DiscountType | None = None
    discount_levels: list[DiscountLevelInput] | None = Field(default=None, min_length=1, max_length=5)
    max_participants: Annotated[int, Field(ge=2, le=1000), WHOLE_NUMBER] | None = None
    minutes_duration: Annotated[int, Field(ge=1, le=129_600), WHOLE_NUMBER] | None = None
    min_purchase_value: Cents | None = None
    share_code_prefix: ShareCodePrefix | None = None
    cashback_hold_days: Annotated[int, Field(ge=0, le=MAX_CASHBACK_HOLD_DAYS), WHOLE_NUMBER] | None = None


ApiKeyKindName = Literal["secret", "publishable"]


class ApiKey(WireModel):
    """An API key as listed: never its secret, which exists only in the answer that created it."""

    id: str
    kind: ApiKeyKindName
    livemode: bool
    last4: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    # A rolled key works until then (its grace period), and no longer.
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    # A user id (dashboard), a key id (API) or "cli"; null for keys from before it was recorded.
    created_by: str | None
    revoked_by: str | None


class IssuedApiKey(ApiKey):
    """A new key (created or rolled), with its secret: shown this once; store it now."""

    secret: str


def to_wire_key(key: domain.ApiKey) -> ApiKey:
    return ApiKey(id=key.id, kind=key.kind.value, livemode=key.livemode, last4=key.last4, created_at=key.created_at,
                  last_used_at=key.last_used_at, expires_at=key.expires_at, revoked_at=key.revoked_at,
                  created_by=key.created_by, revoked_by=key.revoked_by)


def to_wire_issued_key(key: domain.ApiKey, secret: str) -> IssuedApiKey:
    return IssuedApiKey(**to_wire_key(key).model_dump(), secret=secret)


class ApiKeyCreate(WireModel):
    kind: ApiKeyKindName = "secret"


class ApiKeyRoll(WireModel):
    # How long the rolled key keeps working beside its replacement: 0 (default) to 7 days.
    grace_period_seconds: WholeNumber = Field(default=0, ge=0, le=7 * 24 * 3600)
