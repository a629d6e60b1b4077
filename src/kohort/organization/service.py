"""Organizations: creation with keys and default settings; group settings reads and updates."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import Conflict, KohortError, NotFound
from kohort.http.versions import API_VERSIONS, CURRENT_VERSION
from kohort.kit import clock
from kohort.kit.ids import hash_secret, new_id, new_secret
from kohort.kit.listing import ListParams
from kohort.kit.text import SINGLE_LINE_MESSAGE, has_control_characters
from kohort.models import ApiKeyKind, ShareCodePrefix
from kohort.organization import repository
from kohort.organization.domain import ApiKey, GroupSettings, GroupSettingsChanges, Organization
from kohort.organization.ladder import DiscountLevel, DiscountType, Ladder
from kohort.organization.schemas import GroupSettingsUpdate
from kohort.tenant import Tenant

# New organizations: 2 → 5 %, 5 → 10 %, 10 → 15 %, at most 15 people, 7 days, no minimum.
DEFAULT_LEVELS = (
    DiscountLevel(level=1, participants_to_unlock=2, value=5),
    DiscountLevel(level=2, participants_to_unlock=5, value=10),
    DiscountLevel(level=3, participants_to_unlock=10, value=15),
)
DEFAULT_MAX_PARTICIPANTS = 15
DEFAULT_MINUTES_DURATION = 10_080
DEFAULT_ACQUISITION_FEE_BASIS_POINTS = 1000  # 10.00 %
# The EU right of withdrawal: 14 days in which a shopper may return goods (and so cashback may change).
DEFAULT_CASHBACK_HOLD_DAYS = 14
MAX_PERCENTAGE = 100

KEY_PREFIXES = {ApiKeyKind.SECRET: "sk", ApiKeyKind.PUBLISHABLE: "pk"}
# Usable keys per organization and mode: enough for every rotation scheme, bounded all the same.
MAX_USABLE_KEYS = 20
MAX_ROLL_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class CreatedOrganization:
    id: str
    name: str
    api_version: str
    # The four keys in clear, shown once: sk_test, sk_live, pk_test, pk_live.
    keys: dict[str, str]


async def create_organization(
    connection: AsyncConnection, *, name: str, api_version: str = CURRENT_VERSION
) -> CreatedOrganization:
    if not name.strip():
        raise KohortError("name must not be empty.", code="VALIDATION_ERROR")
    if has_control_characters(name):  # the name is the sender's name of emails until a brand name is set
        raise KohortError(f"name {SINGLE_LINE_MESSAGE}.", code="VALIDATION_ERROR")
    if api_version not in API_VERSIONS:
        raise KohortError(f"Unknown API version {api_version!r}.", code="INVALID_API_VERSION")
    now = clock.now()
    organization_id = new_id("org")
    await repository.insert_organization(connection, Organization(
        id=organization_id, name=name.strip(), api_version=api_version,
        acquisition_fee_basis_points=DEFAULT_ACQUISITION_FEE_BASIS_POINTS, created_at=now, updated_at=now,
    ))
    issued = [
        # Issued with the organization itself, by no one in particular: no actor.
        _issue_key(Tenant(organization_id=organization_id, livemode=livemode), kind, now, None)
        for kind in KEY_PREFIXES
        for livemode in (False, True)
    ]
    await repository.insert_api_keys(connection, [item.key for item in issued])
    keys = {item.secret[: len("sk_test")]: item.secret for item in issued}
    await repository.insert_group_settings(connection, [
        GroupSettings(
            id=new_id("pgset"), organization_id=organization_id, livemode=livemode,
            discount_type=DiscountType.PERCENTAGE, discount_levels=DEFAULT_LEVELS,
            max_participants=DEFAULT_MAX_PARTICIPANTS, minutes_duration=DEFAULT_MINUTES_DURATION,
            min_purchase_value=0, share_code_prefix=ShareCodePrefix.KHT, created_at=now, updated_at=now,
            cashback_hold_days=DEFAULT_CASHBACK_HOLD_DAYS,
        )
        for livemode in (False, True)
    ])
    return CreatedOrganization(id=organization_id, name=name.strip(), api_version=api_version, keys=keys)


async def get_group_settings(connection: AsyncConnection, tenant: Tenant) -> GroupSettings:
    settings = await repository.get_group_settings(connection, tenant)
    if settings is None:  # every organization gets both rows at creation
        raise KohortError("Group settings are missing for this organization.", code="SETTINGS_NOT_FOUND")
    return settings


def check_discount_levels(discount_type: DiscountType, levels: Sequence[DiscountLevel]) -> None:
    """The ladder rules of the original (§1.7), with their messages, plus a percentage ceiling."""
    if levels[0].participants_to_unlock != 2:
        raise KohortError(
            "discountLevels: the first discount level must be unlocked with 2 participants.", code="INVALID_LEVELS"
        )
    for previous, current in itertools.pairwise(levels):
        if current.participants_to_unlock <= previous.participants_to_unlock:
            raise KohortError(
                "discountLevels: participantsToUnlock must be in strictly ascending order.", code="INVALID_LEVELS"
            )
        if current.value <= previous.value:
            raise KohortError("discountLevels: values must be in strictly ascending order.", code="INVALID_LEVELS")
    if discount_type == DiscountType.PERCENTAGE and levels[-1].value > MAX_PERCENTAGE:
        raise KohortError("discountLevels: a percentage value cannot exceed 100.", code="INVALID_LEVELS")


def proposed_ladder(current: GroupSettings, changes: GroupSettingsUpdate) -> Ladder:
    """The ladder these changes would make of the current settings, checked against the ladder rules
    (KohortError INVALID_LEVELS if they break one). The dashboard's preview asks it before anything is saved."""
    discount_type = DiscountType(changes.discount_type) if changes.discount_type else current.discount_type
    levels = (
        tuple(
            DiscountLevel(level=index, participants_to_unlock=item.participants_to_unlock, value=item.value)
            for index, item in enumerate(changes.discount_levels, start=1)
        )
        if changes.discount_levels is not None
        else current.discount_levels
    )
    check_discount_levels(discount_type, levels)
    return Ladder(discount_type=discount_type, levels=levels)


async def update_group_settings(
    connection: AsyncConnection, tenant: Tenant, *, changes: GroupSettingsUpdate
) -> GroupSettings:
    """Later changes only affect new groups: each group keeps the copy taken at its creation."""
    current = await get_group_settings(connection, tenant)
    ladder = proposed_ladder(current, changes)
    values: GroupSettingsChanges = {
        "discount_type": ladder.discount_type, "discount_levels": ladder.levels, "updated_at": clock.now()
    }
    if changes.max_participants is not None:
        values["max_participants"] = changes.max_participants
    if changes.minutes_duration is not None:
        values["minutes_duration"] = changes.minutes_duration
    if changes.min_purchase_value is not None:
        values["min_purchase_value"] = changes.min_purchase_value
    if changes.share_code_prefix is not None:
        values["share_code_prefix"] = ShareCodePrefix(changes.share_code_prefix)
    if changes.cashback_hold_days is not None:
        values["cashback_hold_days"] = changes.cashback_hold_days
    return await repository.update_group_settings(connection, tenant, values)


async def organization_summary(connection: AsyncConnection, tenant: Tenant) -> dict[str, str | bool]:
    """What `expand[]=organization` shows: public facts only, never keys or internal settings."""
    organization = await repository.get_organization(connection, tenant.organization_id)
    if organization is None:
        raise KohortError("Organization not found.", code="NOT_FOUND")
    return {"id": organization.id, "name": organization.name, "livemode": tenant.livemode}


async def find_organization(connection: AsyncConnection, organization_id: str) -> Organization | None:
    return await repository.get_organization(connection, organization_id)


async def create_demo_organization(connection: AsyncConnection) -> CreatedOrganization | None:
    """The demo shop of a first start (`kohort serve`): created only while there is no organization at all."""
    if await repository.count_organizations(connection) > 0:
        return None
    return await create_organization(connection, name="Demo shop")


async def set_cashback_hold(connection: AsyncConnection, tenant: Tenant, *, days: int) -> GroupSettings:
    """The settings' cashback hold (0 to 90 days), as `PATCH /payment-group-settings` sets it."""
    return await update_group_settings(connection, tenant, changes=GroupSettingsUpdate(cashback_hold_days=days))
@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    # The key in clear: shown once, never stored (only its hash is).
    secret: str


def _issue_key(tenant: Tenant, kind: ApiKeyKind, now: datetime, actor: str | None) -> IssuedKey:
    prefix = f"{KEY_PREFIXES[kind]}_{'live' if tenant.livemode else 'test'}_"
    secret = prefix + new_secret(24)  # 192 bits from the CSPRNG
    key = ApiKey(
        id=new_id("key"), **tenant.stamp(), kind=kind, key_hash=hash_secret(secret),
        preview=f"{prefix}…{secret[-4:]}", created_at=now, revoked_at=None, last_used_at=None, expires_at=None,
        created_by=actor, revoked_by=None,
    )
    return IssuedKey(key=key, secret=secret)


def _key_not_found(key_id: str) -> NotFound:
    return NotFound(f"API key {key_id} not found.")


async def list_keys(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[ApiKey], int]:
    """The mode's keys, revoked and rolled ones included (never their secrets)."""
    return await repository.list_keys(connection, tenant, params)


async def get_key(connection: AsyncConnection, tenant: Tenant, key_id: str) -> ApiKey:
    key = await repository.get_key(connection, tenant, key_id)
    if key is None:
        raise _key_not_found(key_id)
    return key


async def create_key(connection: AsyncConnection, tenant: Tenant, actor: str, *, kind: ApiKeyKind) -> IssuedKey:
    now = clock.now()
    if await repository.count_usable_keys(connection, tenant, now=now) >= MAX_USABLE_KEYS:
        raise Conflict(f"This mode already has {MAX_USABLE_KEYS} usable API keys; revoke one first.",
                       code="TOO_MANY_API_KEYS")
    issued = _issue_key(tenant, kind, now, actor)
    await repository.insert_api_keys(connection, [issued.key])
    return issued


async def roll_key(
    connection: AsyncConnection, tenant: Tenant, actor: str, key_id: str, *, grace: timedelta
) -> IssuedKey:
    """A new key of the same kind replaces `key_id`, which keeps working for `grace` (0 to 7 days), so that
    the servers using it can be given the new one first. A key can be rolled once."""
    if not timedelta(0) <= grace <= MAX_ROLL_GRACE:
        raise KohortError("The grace period must be between 0 seconds and 7 days.", code="VALIDATION_ERROR")
    now = clock.now()
    rolled = await repository.end_key(connection, tenant, key_id, now=now, revoke=False, expires_at=now + grace)
    if rolled is None:
        if await repository.get_key(connection, tenant, key_id) is None:
            raise _key_not_found(key_id)
        raise Conflict(f"API key {key_id} is revoked or already rolled.", code="API_KEY_INACTIVE")
    issued = _issue_key(tenant, rolled.kind, now, actor)
    await repository.insert_api_keys(connection, [issued.key])
    return issued


async def revoke_key(
    connection: AsyncConnection, tenant: Tenant, actor: str, key_id: str, *, keep_a_secret_key: bool
) -> ApiKey:
    """Revoke now (a key in its grace period too); revoking a revoked key changes nothing. With
    `keep_a_secret_key` (the API), the mode's last secret key without an end is refused: the merchant
    would be locked out of the API (the operator's `kohort keys create` can always issue another)."""
    now = clock.now()
    key = await repository.get_key(connection, tenant, key_id)
    if key is None:
        raise _key_not_found(key_id)
    if keep_a_secret_key and key.kind == ApiKeyKind.SECRET:
        remaining = await repository.lock_usable_keys(connection, tenant, ApiKeyKind.SECRET, now=now)
        if remaining == [key_id]:
            raise Conflict("This is the last secret key of this mode: create or roll another before revoking it.",
                           code="LAST_SECRET_KEY")
    revoked = await repository.end_key(connection, tenant, key_id, now=now, revoke=True, actor=actor)
    return revoked or key


async def tenant_of_key(connection: AsyncConnection, key_id: str) -> Tenant:
    tenant = await repository.tenant_of_key(connection, key_id)
    if tenant is None:
        raise _key_not_found(key_id)
    return tenant
