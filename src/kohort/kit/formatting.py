"""Money and dates for people, through Babel, in the two languages shoppers are served in.

Amounts travel as integer cents in EUR (the original hard-coded EUR too). Babel emits exactly what the
original's browser formatter did: `3,00 €` in French (U+00A0 before the sign, U+202F between
thousands) and `€3.00` in US English.
"""

from __future__ import annotations

from datetime import date as calendar_date
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

FRENCH = "fr_FR"
ENGLISH = "en_US"
LOCALES = (FRENCH, ENGLISH)
DEFAULT_LOCALE = FRENCH
CURRENCY = "EUR"
# Parsed once: Babel parses a locale string again at every call, a fifth of an email's rendering.
_BABEL = {name: Locale.parse(name) for name in LOCALES}


def page_locale(value: str | None) -> str:
    """`fr_FR` or `en_US` for any locale string: English for every `en*` (en_GB is shown as en_US),
    French (the default) for everything else, as the original's pages did."""
    if value and value.strip().replace("-", "_").lower().startswith("en"):
        return ENGLISH
    return DEFAULT_LOCALE


def locale_from_accept_language(header: str | None) -> str:
    """The first of fr/en the browser prefers (by q-value), else French."""
    if not header:
        return DEFAULT_LOCALE
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower()[:2]
        if language in ("fr", "en") and quality > 0:
            choices.append((-quality, position, language))
    if not choices:
        return DEFAULT_LOCALE
    return ENGLISH if sorted(choices)[0][2] == "en" else FRENCH


def money(cents: int, locale: str) -> str:
    """`300` → `3,00 €` (fr_FR) or `€3.00` (en_US). Zero is `0,00 €`, never "Free"."""
    return format_currency(Decimal(cents) / 100, CURRENCY, locale=_BABEL[page_locale(locale)])


def percent(value: int, locale: str) -> str:
    """Whole percents: `10 %` in French typography, `10%` in English."""
    number = format_decimal(value, locale=_BABEL[page_locale(locale)])
    return f"{number}\u00a0%" if page_locale(locale) == FRENCH else f"{number}%"


def number(value: int | float | Decimal, locale: str, *, digits: int = 2) -> str:
    """`1 234,5` / `1,234.5`: a figure for people, at most `digits` decimals."""
    return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0", locale=page_locale(locale))


def share(numerator: int, denominator: int, locale: str) -> str:
    """`12,5 %` / `12.5%`: a ratio as a percent with one decimal, `—` when there is nothing to divide."""
    if denominator == 0:
        return "—"
    return format_percent(Decimal(numerator) / Decimal(denominator), format="#,##0.#\u00a0%"
                          if page_locale(locale) == FRENCH else "#,##0.#%", locale=page_locale(locale))


def date(moment: datetime | calendar_date, locale: str) -> str:
    """`27 nov. 2026` / `Nov 27, 2026`."""
    return format_date(moment, format="medium", locale=_BABEL[page_locale(locale)])


def date_time(moment: datetime, locale: str, *, timezone: str = "Europe/Paris") -> str:
    """Date and time in the shoppers' time zone (the original's reminders used Paris time)."""
    return format_datetime(moment, format="medium", tzinfo=_zone(timezone), locale=_BABEL[page_locale(locale)])


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
