"""Brand settings use cases. A merchant that never set them gets neutral defaults: its own name, no
logo, the platform colour."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import repository
from kohort.brand.domain import Brand, BrandChanges
from kohort.brand.schemas import BrandSettings, BrandSettingsUpdate
from kohort.errors import KohortError
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.organization import repository as organization_repository
from kohort.tenant import Tenant

DEFAULT_COLOR = "ED395E"  # the original's fallback palette


async def _organization_name(connection: AsyncConnection, tenant: Tenant) -> str:
    organization = await organization_repository.get_organization(connection, tenant.organization_id)
    if organization is None:
        raise KohortError("Organization not found.", code="NOT_FOUND")
    return organization.name


async def get_brand_settings(connection: AsyncConnection, tenant: Tenant) -> BrandSettings:
    stored = await repository.get(connection, tenant)
    if stored is None:
        return BrandSettings(id=None, **tenant.stamp(), display_name=await _organization_name(connection, tenant),
                             logo_url=None, color=None, website_url=None, contact_email=None, created_at=None,
                             updated_at=None, updated_by=None)
    return BrandSettings(
        id=stored.id, organization_id=stored.organization_id, livemode=stored.livemode,
        display_name=stored.display_name or await _organization_name(connection, tenant), logo_url=stored.logo_url,
        color=stored.color, website_url=stored.website_url, contact_email=stored.contact_email,
        created_at=stored.created_at,
        updated_at=stored.updated_at, updated_by=stored.updated_by,
    )


async def update_brand_settings(
    connection: AsyncConnection, tenant: Tenant, actor: str, *, changes: BrandSettingsUpdate
) -> BrandSettings:
    now = clock.now()
    await repository.insert_if_missing(connection, tenant, settings_id=new_id("bset"), now=now)
    sent = changes.model_fields_set
    values: BrandChanges = {"updated_at": now, "updated_by": actor}
    if "display_name" in sent:
        # Blank: back to the organization's name.
        values["display_name"] = changes.display_name if (changes.display_name or "").strip() else None
    if "logo_url" in sent:
        values["logo_url"] = changes.logo_url
    if "color" in sent:
        values["color"] = changes.color
    if "website_url" in sent:
        values["website_url"] = changes.website_url
    if "contact_email" in sent:
        values["contact_email"] = str(changes.contact_email) if changes.contact_email else None
    await repository.update_fields(connection, tenant, values)
    return await get_brand_settings(connection, tenant)


async def get_brand(connection: AsyncConnection, tenant: Tenant) -> Brand:
    settings = await get_brand_settings(connection, tenant)
    return Brand(name=settings.display_name, logo_url=settings.logo_url, color=settings.color or DEFAULT_COLOR,
                 website_url=settings.website_url, livemode=tenant.livemode)
