"""IBANs: validation (checksum, structure, SEPA zone) with schwifty, and the masked form people see."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import InvalidChecksumDigits, InvalidCountryCode, SchwiftyException

from kohort.errors import KohortError

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")

# Codes the shopper pages translate; the JSON API sends them with an English message.
IBAN_REQUIRED = "IBAN_REQUIRED"
IBAN_INVALID = "IBAN_INVALID"
IBAN_INVALID_CHECKSUM = "IBAN_INVALID_CHECKSUM"
IBAN_NOT_SEPA = "IBAN_NOT_SEPA"

_MESSAGES = {
    IBAN_REQUIRED: "iban: an IBAN is required.",
    IBAN_INVALID: "iban: this is not a valid IBAN.",
    IBAN_INVALID_CHECKSUM: "iban: the IBAN's check digits are wrong; please check for a typo.",
    IBAN_NOT_SEPA: "iban: the account must be in the SEPA zone to receive a SEPA transfer.",
}


class InvalidIban(KohortError):
    """Raised when an IBAN fails its checksum or structure, or is outside the SEPA zone."""

    def __init__(self, code: str) -> None:
        super().__init__(_MESSAGES[code], code=code)


def normalize(raw: str | None) -> str:
    """Upper-case, spaces and punctuation removed: how shoppers type it vs how banks want it."""
    return _NOT_ALNUM.sub("", raw or "").upper()


def validate_sepa_iban(raw: str | None) -> str:
    """The compact IBAN if it is valid and in the SEPA zone; raises InvalidIban otherwise."""
    compact = normalize(raw)
    if not compact:
        raise InvalidIban(IBAN_REQUIRED)
    try:
        iban = IBAN(compact)
    except InvalidChecksumDigits:
        raise InvalidIban(IBAN_INVALID_CHECKSUM) from None
    except InvalidCountryCode:
        raise InvalidIban(IBAN_NOT_SEPA) from None
    except SchwiftyException:
        raise InvalidIban(IBAN_INVALID) from None
    if not iban.in_sepa_zone:
        raise InvalidIban(IBAN_NOT_SEPA)
    return str(iban.compact)


def mask(compact: str) -> str:
    """`FR1420041010050500013M02606` → `FR14 •••• 2606`: enough to recognize one's account, no more."""
    return f"{compact[:4]} •••• {compact[-4:]}"
