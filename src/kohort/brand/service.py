"""Brand settings use cases. A merchant that never set them gets neutral defaults: its own name, no
logo, the platform colour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import repository
from kohort.brand.schemas import BrandSettings, BrandSettingsUpdate
from kohort.errors import KohortError
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.organization import repository as organization_repository
from kohort.tenant import Tenant

DEFAULT_COLOR = "ED395E"  # the original's fallback palette


@dataclass(frozen=True)
class Brand:
    """What pages and emails need to dress themselves as the merchant."""

    name: str
    logo_url: str | None
    color: str
    website_url: str | None
    livemode: bool

    def as_context(self) -> dict[str, Any]:
        return {"name": self.name, "logo_url": self.logo_url, "color": self.color, "website_url": self.website_url,
                "livemode": self.livemode, "website_host": _host(self.website_url)}


def _host(url: str | None) -> str | None:
    if not url:
        return None
    return url.split("://", 1)[-1].rstrip("/")


async def _organization_name(connection: AsyncConnection, tenant: Tenant) -> str:
    organization = await organization_repository.get_organization(connection, tenant.organization_id)
    if organization is None:
        raise KohortError("Organization not found.", code="NOT_FOUND")
    return organization.name


async def get_brand_settings(connection: AsyncConnection, tenant: Tenant) -> BrandSettings:
    row = await repository.get(connection, tenant)
    if row is None:
        return BrandSettings(id=None, **tenant.stamp(), display_name=await _organization_name(connection, tenant),
                             logo_url=None, color=None, website_url=None, created_at=None, updated_at=None)
    values = dict(row)
    values["display_name"] = values["display_name"] or await _organization_name(connection, tenant)
    return BrandSettings.model_validate(values)


async def update_brand_settings(
    connection: AsyncConnection, tenant: Tenant, *, changes: BrandSettingsUpdate
) -> BrandSettings:
    now = clock.now()
    await repository.insert_if_missing(connection, {
        **tenant.stamp(), "id": new_id("bset"), "display_name": None, "logo_url": None, "color": None,
        "website_url": None, "created_at": now, "updated_at": now,
    })
    values = changes.model_dump(exclude_unset=True)
    if "display_name" in values and not (values["display_name"] or "").strip():
        values["display_name"] = None  # back to the organization's name
    await repository.update_fields(connection, tenant, {**values, "updated_at": now})
    return await get_brand_settings(connection, tenant)


async def get_brand(connection: AsyncConnection, tenant: Tenant) -> Brand:
    settings = await get_brand_settings(connection, tenant)
    return Brand(name=settings.display_name, logo_url=settings.logo_url, color=settings.color or DEFAULT_COLOR,
                 website_url=settings.website_url, livemode=tenant.livemode)
