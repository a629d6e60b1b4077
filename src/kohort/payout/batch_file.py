"""A batch's pain.001 file at rest. It is stored encrypted (AES-GCM, bound to its batch); once the bank has
executed it, the stored copy keeps masked IBANs only: the record of what was paid, no longer a file that
could pay anyone."""

from __future__ import annotations

import re

# Said by the file itself (an XML comment at its top) and by the download's header.
MASKED_NOTICE = ("Kohort: this batch was confirmed; the IBANs in this copy are masked (country, check digits and "
                 "last 4 kept). The bank received the original file.")
MASKED_HEADER_VALUE = "masked-after-confirmation"

_IBAN_ELEMENT = re.compile(r"<IBAN>([A-Za-z0-9]+)</IBAN>")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def masked_iban(compact: str) -> str:
    """`DE89370400440532013000` → `DE89XXXXXXXXXXXXXX3000`: the same length and still schema-valid (letters
    and digits), so the masked file reads like the original; too short to mask leaves only X's."""
    if len(compact) <= 8:
        return "X" * len(compact)
    return f"{compact[:4]}{'X' * (len(compact) - 8)}{compact[-4:]}"


def masked_document(xml: str) -> str:
    """The document with every IBAN masked and the notice as its first comment (after the XML declaration,
    which must come first)."""
    masked = _IBAN_ELEMENT.sub(lambda found: f"<IBAN>{masked_iban(found.group(1))}</IBAN>", xml)
    comment = f"<!-- {MASKED_NOTICE} -->"
    declaration = _DECLARATION.match(masked)
    if declaration is None:
        return f"{comment}\n{masked}"
    return f"{declaration.group(0)}\n{comment}{masked[declaration.end():]}"


def is_clear(stored: str) -> bool:
    """Whether a stored document predates encryption at rest (plain XML rather than a `v1:` ciphertext)."""
    return stored.lstrip().startswith("<")
