"""Text that goes into a SEPA file, in the character set every SEPA bank accepts.

The EPC's basic Latin set is `a-z A-Z 0-9 / - ? : ( ) . , ' +` and space. Banks may reject anything
else, and the XSD wants at least one character, so names and remittance texts are brought into that
set when they are entered, not when the file is built: a shopper whose name cannot be written there is
told at once, instead of failing the merchant's whole payout run later.

Letters lose their accents (`é` → `e`); a few letters that carry no accent to drop get a spelling of
their own (`ß` → `ss`, `Ł` → `L`, umlauts → `ae`/`oe`/`ue` as German names are written). A letter of
another script has no such spelling: the text is refused rather than shortened to its Latin part.
Symbols (emoji, `@`, `*`, …) carry nothing a bank matches on and become spaces.
"""

from __future__ import annotations

import unicodedata

from kohort.errors import KohortError

ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")

# Letters that decomposition leaves alone, or that German spells out. Checked before decomposing so
# that `ä` becomes `ae`, not `a`.
_LETTERS = {
    "Ä": "Ae", "ä": "ae", "Ö": "Oe", "ö": "oe", "Ü": "Ue", "ü": "ue", "ß": "ss", "ẞ": "SS",
    "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
    "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th", "Ħ": "H", "ħ": "h", "\u0131": "i",
    "Ŋ": "N", "ŋ": "n", "Ŧ": "T", "ŧ": "t", "ĸ": "k", "\u017f": "s",
}
# Punctuation with a close SEPA equivalent; any other symbol becomes a space.
_PUNCTUATION = {
    **dict.fromkeys("_\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),  # underscore, hyphens, dashes, minus
    **dict.fromkeys("`\"\u00b4\u02bc\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb", "'"),  # quotes
    "&": "+", ";": ",", "!": ".", "[": "(", "]": ")", "{": "(", "}": ")", "\\": "/",
}


class NotSepaText(ValueError):
    """The text holds a letter with no basic Latin spelling, or nothing is left once converted."""


def transliterate(text: str, *, max_length: int = 70) -> str:
    """`text` in the SEPA basic Latin set, spaces collapsed, cut to `max_length`.

    Raises NotSepaText when a letter cannot be spelled in that set or when no letter or digit is left.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):  # `u` + combining diaeresis is `ü`
        if char in ALLOWED:
            out.append(char)
        elif char in _LETTERS:
            out.append(_LETTERS[char])
        elif char in _PUNCTUATION:
            out.append(_PUNCTUATION[char])
        else:
            out.append(_decomposed(char))
    converted = " ".join("".join(out).split())[:max_length].strip()
    if not any(char.isalnum() for char in converted):
        raise NotSepaText(text)
    return converted


def _decomposed(char: str) -> str:
    category = unicodedata.category(char)
    if unicodedata.combining(char):
        return ""  # a stray accent with no letter of its own
    if category[0] in "LN":
        # `é` → `e` + combining accent: keep the base letter when it is plain Latin.
        base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
        if base and all(part in ALLOWED or part in _LETTERS for part in base):
            return "".join(_LETTERS.get(part, part) for part in base)
        if category[0] == "L":
            raise NotSepaText(char)
    return " "


class HolderNameInvalid(KohortError):
    def __init__(self) -> None:
        super().__init__(
            "holderName: the account holder's name must be written in Latin letters (accents are fine).",
            code="HOLDER_NAME_INVALID",
        )


class DebtorNameInvalid(KohortError):
    def __init__(self) -> None:
        super().__init__(
            "debtorName: the account's name must be written in Latin letters (accents are fine).",
            code="DEBTOR_NAME_INVALID",
        )


def holder_name(raw: str) -> str:
    """A shopper's account holder name as it will appear in the file; HolderNameInvalid otherwise."""
    try:
        return transliterate(raw)
    except NotSepaText:
        raise HolderNameInvalid() from None


def debtor_name(raw: str) -> str:
    """The merchant's account name as it will appear in the file; DebtorNameInvalid otherwise."""
    try:
        return transliterate(raw)
    except NotSepaText:
        raise DebtorNameInvalid() from None
