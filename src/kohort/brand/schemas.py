"""Wire schemas for brand settings."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import BeforeValidator, Field

from kohort.http.schemas import Email, Timestamp, WireModel
from kohort.kit.text import HeaderText

_HEX = re.compile(r"^[0-9a-fA-F]{6}$")


def _https_url(value: Any) -> Any:
    """URLs shown to shoppers must be https (the original's rule), except an empty value that clears it."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be an https URL")
    parsed = urlparse(value.strip())
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError("must be an https URL")
    return value.strip()


def _color(value: Any) -> Any:
    """`ED395E` or `#ED395E`; stored without '#', upper-cased."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _HEX.match(value.strip().lstrip("#")):
        raise ValueError("must be a hex colour such as ED395E")
    return value.strip().lstrip("#").upper()


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


HttpsUrl = Annotated[str | None, BeforeValidator(_https_url)]
# An empty value clears it.
OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_is_none)]
HexColor = Annotated[str | None, BeforeValidator(_color)]


class BrandSettings(WireModel):
    id: str | None
    livemode: bool
    organization_id: str
    display_name: str
    logo_url: str | None
    color: str | None
    website_url: str | None
    # Where Kohort writes to the merchant about its integration (e.g. a webhook endpoint it disabled).
    contact_email: str | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    updated_by: str | None


class BrandSettingsUpdate(WireModel):
    # The sender's name and part of the subject of every email the merchant's shoppers get.
    display_name: HeaderText | None = Field(default=None, max_length=100)
    logo_url: HttpsUrl = Field(default=None, max_length=500)
    color: HexColor = None
    website_url: HttpsUrl = Field(default=None, max_length=500)
    contact_email: OptionalEmail = None
