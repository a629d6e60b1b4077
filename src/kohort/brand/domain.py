"""How a merchant looks to its shoppers, as the rest of the code sees it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from kohort.models import brand_settings
from kohort.models.base import check_row_shape


@dataclass(frozen=True, slots=True)
class BrandSettings:
    """What the merchant set, per organization and mode; None means "not set" (a default applies)."""

    organization_id: str
    livemode: bool
    id: str
    display_name: str | None
    logo_url: str | None
    # Hex without '#', as the original stored it.
    color: str | None
    website_url: str | None
    created_at: datetime
    updated_at: datetime
    # Where Kohort writes to the merchant (not shown to shoppers).
    contact_email: str | None
    # A user id (dashboard) or a key id (API).
    updated_by: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> BrandSettings:
        return cls(*row)


@dataclass(frozen=True, slots=True)
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


class BrandChanges(TypedDict, total=False):
    """The columns an update sets; a key left out keeps its value."""

    display_name: str | None
    logo_url: str | None
    color: str | None
    website_url: str | None
    contact_email: str | None
    updated_at: datetime
    updated_by: str


check_row_shape(brand_settings, BrandSettings)
