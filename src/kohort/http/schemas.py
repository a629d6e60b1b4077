"""The wire's base schema and the field types every domain's schemas share.

Python code uses snake_case; the documented wire form is camelCase. Requests accept either spelling
(shop plugins mix them) and unknown fields are ignored (plugins send extras). `metadata` is a flat
object of strings, passed through untouched in either version.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, PlainSerializer, StringConstraints
from typing_extensions import TypeForm

from kohort.kit.casing import to_camel
from kohort.kit.money import cents_from_number
from kohort.kit.numbers import NumberTooLarge
from kohort.kit.timefmt import iso_z

MAX_AMOUNT_CENTS = 10**11  # 1 000 000 000 €: anything above is a client bug, not a purchase

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


class WireModel(BaseModel):
    """Base of every request and response schema."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        str_strip_whitespace=True,
    )


def _cents_from(value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number of cents")
    out_of_range = ValueError(f"must be between {minimum} and {MAX_AMOUNT_CENTS} cents")
    try:
        cents = cents_from_number(value)
    except NumberTooLarge:
        raise out_of_range from None
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError("must be a number of cents") from None
    if not minimum <= cents <= MAX_AMOUNT_CENTS:
        raise out_of_range
    return cents


def _cents(value: Any) -> int:
    return _cents_from(value, minimum=0)


def _signed_cents(value: Any) -> int:
    return _cents_from(value, minimum=-MAX_AMOUNT_CENTS)


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be an integer")
    return value


def _metadata(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("must be an object of string values")
    if len(value) > METADATA_MAX_KEYS:
        raise ValueError(f"may hold at most {METADATA_MAX_KEYS} keys")
    for key, item in value.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(f"keys may be at most {METADATA_MAX_KEY_LENGTH} characters")
        if not isinstance(item, str):
            raise ValueError(f"value of {key!r} must be a string")
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(f"value of {key!r} may be at most {METADATA_MAX_VALUE_LENGTH} characters")
    return value


def _scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return orjson.dumps(value).decode()
    return value


def _plugin_metadata(value: Any) -> Any:
    """PrestaShop sends `{"order_id": 42, …}`: numbers and booleans become their JSON text (as Stripe
    does with metadata), null values are left out; then the usual limits apply."""
    if isinstance(value, dict):
        value = {key: _scalar_text(item) for key, item in value.items() if item is not None}
    return _metadata(value)


# Metadata belongs to the merchant: exempt from WireModel's whitespace stripping, in and out.
_Untouched = Annotated[str, StringConstraints(strip_whitespace=False)]
MetadataContents = dict[_Untouched, _Untouched]

# Integer cents; accepts 3000, 3000.0, "3000" and rounds 1998.9999999999998 half-up (Magento sends it).
# Bounds on an optional amount go before it, as for WHOLE_NUMBER below.
CENTS = BeforeValidator(_cents)
Cents = Annotated[int, CENTS]
# The same, below zero too: a discount line's price (−1500).
SignedCents = Annotated[int, BeforeValidator(_signed_cents)]
# Bounds go before it in an optional field (`Annotated[int, Field(ge=…), WHOLE_NUMBER] | None`): after it, pydantic
# documents them with its own `ge`/`le` keys instead of JSON Schema's minimum/maximum.
WHOLE_NUMBER = BeforeValidator(_whole_number)
WholeNumber = Annotated[int, WHOLE_NUMBER]
Metadata = Annotated[MetadataContents | None, BeforeValidator(_metadata)]
# What the shop plugins' legacy calls send as metadata (see _plugin_metadata).
PluginMetadata = Annotated[MetadataContents | None, BeforeValidator(_plugin_metadata)]
Timestamp = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]
# email-validator refuses an address longer than 254 characters (RFC 5321); the documented maxLength says so too.
EMAIL_MAX_LENGTH = 254
Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH)]


def _locale(value: Any) -> Any:
    """Plugins send arbitrary locales: fr_* → fr_FR, en_GB stays, other en_* → en_US, else the default."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string such as fr_FR or en_US")
    normalized = value.strip().replace("-", "_")
    if normalized.lower().startswith("fr"):
        return "fr_FR"
    if normalized.lower() == "en_gb":
        return "en_GB"
    if normalized.lower().startswith("en"):
        return "en_US"
    return None


Locale = Annotated[str | None, BeforeValidator(_locale)]


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(WireModel, Generic[ItemT]):
    """A page of a collection, as `kohort.http.rendering.list_envelope` writes it."""

    data: list[ItemT]
    count: int = Field(description="How many items match, on every page (not only this one).")

    @classmethod
    def model_parametrized_name(cls, params: tuple[TypeForm[Any], ...]) -> str:
        # `OrderList` rather than `Page_Order_`: the name generated clients give the class.
        return f"{getattr(params[0], '__name__', 'Item')}List"
