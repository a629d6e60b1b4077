"""What the organization package hands to other code: organizations and their group settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from kohort.models import ApiKeyKind, ShareCodePrefix, api_keys, group_settings, organizations
from kohort.models.base import check_row_shape
from kohort.organization.ladder import DiscountLevel, DiscountType, Ladder


def levels_from_stored(stored: Sequence[Any]) -> tuple[DiscountLevel, ...]:
    return tuple(DiscountLevel.from_stored(level) for level in stored)


def levels_to_stored(levels: Sequence[DiscountLevel]) -> list[dict[str, int]]:
    return [level.to_stored() for level in levels]


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    api_version: str
    # Hundredths of a percent: 1000 = 10.00 %.
    acquisition_fee_basis_points: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Organization:
        return cls(*row)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    organization_id: str
    livemode: bool
    kind: ApiKeyKind
    # SHA-256 of the whole key; the key itself is shown once, at creation.
    key_hash: str
    preview: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    # The end of a rolled key's grace period.
    expires_at: datetime | None
    # A user id (dashboard), a key id (API) or "cli"; None for keys from before it was recorded.
    created_by: str | None
    revoked_by: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ApiKey:
        (id_, organization_id, livemode, kind, key_hash, preview, created_at, revoked_at, last_used_at, expires_at,
         created_by, revoked_by) = row
        return cls(id_, organization_id, bool(livemode), ApiKeyKind(kind), key_hash, preview, created_at, revoked_at,
                   last_used_at, expires_at, created_by, revoked_by)

    @property
    def last4(self) -> str:
        return self.preview[-4:]

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class ActiveKey:
    """A usable key as authentication finds it, with its organization's default API version."""

    id: str
    organization_id: str
    livemode: bool
    kind: ApiKeyKind
    key_hash: str
    last_used_at: datetime | None
    api_version: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ActiveKey:
        id_, organization_id, livemode, kind, key_hash, last_used_at, api_version = row
        return cls(id_, organization_id, bool(livemode), ApiKeyKind(kind), key_hash, last_used_at, api_version)


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """An organization's settings in one mode: what every new group copies at its creation."""

    id: str
    organization_id: str
    livemode: bool
    discount_type: DiscountType
    discount_levels: tuple[DiscountLevel, ...]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int
    share_code_prefix: ShareCodePrefix
    created_at: datetime
    updated_at: datetime
    # Days between a group's completion and its cashback becoming withdrawable (0 to 90).
    cashback_hold_days: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> GroupSettings:
        (id_, organization_id, livemode, discount_type, levels, max_participants, minutes_duration,
         min_purchase_value, share_code_prefix, created_at, updated_at, cashback_hold_days) = row
        return cls(
            id_, organization_id, bool(livemode), DiscountType(discount_type), levels_from_stored(levels),
            max_participants, minutes_duration, min_purchase_value, ShareCodePrefix(share_code_prefix),
            created_at, updated_at, cashback_hold_days,
        )

    @property
    def ladder(self) -> Ladder:
        return Ladder.of(self.discount_type, self.discount_levels)


class GroupSettingsChanges(TypedDict, total=False):
    """The columns a settings update sets; a key left out keeps its value."""

    discount_type: DiscountType
    discount_levels: tuple[DiscountLevel, ...]
    max_participants: int
    minutes_duration: int
    min_purchase_value: int
    share_code_prefix: ShareCodePrefix
    cashback_hold_days: int
    updated_at: datetime


check_row_shape(organizations, Organization)
check_row_shape(api_keys, ApiKey)
check_row_shape(group_settings, GroupSettings)
