"""Numbers that arrive from outside, bounded before anything converts them.

The cost hides in the conversion, not in the parsing: `Decimal("1e400000")` is eight characters and
parses at once, but rounding it to an integer builds a 400 001-digit number (seconds of CPU, growing
quadratically with the exponent), and `int()` on a long digit string is quadratic too. So the size of
what was sent (its text length, its order of magnitude) is checked first, and only a number of sane
size is ever converted.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

# Longer than any amount, count or duration we accept, with room for plugins' float noise
# ("1998.9999999999998"); far shorter than anything expensive.
MAX_NUMBER_TEXT_LENGTH = 40
# Digits before the decimal point: 10^18 is beyond every range we accept (and within a 64-bit column).
MAX_INTEGER_DIGITS = 18


class NumberTooLarge(ValueError):
    """A number whose text or magnitude is beyond what any field accepts; refused before conversion."""


def bounded_decimal(value: int | float | str | Decimal) -> Decimal:
    """`value` as a finite Decimal of at most `MAX_INTEGER_DIGITS` integer digits.

    Raises `NumberTooLarge` for a too long text or too large magnitude, `ValueError` for anything that
    is not a finite number. Nothing proportional to the number's magnitude is computed before the check.
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        # bit_length is O(1); 60 bits ≈ 18 decimal digits.
        if value.bit_length() > 60:
            raise NumberTooLarge("number is too large")
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if abs(value) >= 10.0**MAX_INTEGER_DIGITS:
            raise NumberTooLarge("number is too large")
        return Decimal(repr(value))  # repr: the shortest text that round-trips, never a long expansion
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT_LENGTH:
            raise NumberTooLarge(f"number is longer than {MAX_NUMBER_TEXT_LENGTH} characters")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a number") from None
    if not isinstance(value, Decimal):
        raise ValueError("not a number")
    if not value.is_finite():
        raise ValueError("not a finite number")
    # adjusted() is the exponent of the leading digit, read from the representation: O(1).
    if not value.is_zero() and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise NumberTooLarge("number is too large")
    return value


def bounded_int(text: str) -> int:
    """An integer from query-string text (`take=25`, `amount>=500`); a text longer than a 64-bit
    integer's is refused before `int()` sees it. Raises `NumberTooLarge` or `ValueError`."""
    text = text.strip()
    if len(text) > 20:  # "-9223372036854775808"
        raise NumberTooLarge("number is too large")
    return int(text)


# A JSON number token, or a JSON string (skipped: digits inside a string are text, not a number).
_JSON_STRING_OR_NUMBER = re.compile(rb'"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*')
_LONG_DIGIT_RUN = re.compile(rb"[0-9.eE+\-]{%d,}" % (MAX_NUMBER_TEXT_LENGTH + 1))


def has_long_number_token(raw_json: bytes) -> bool:
    """Whether a JSON document holds a number token longer than `MAX_NUMBER_TEXT_LENGTH` characters.

    JSON parsers turn such a token into a float silently (`1.000…0001` → 1.0, 10 000 nines → an error
    or infinity), so the token's own length is what can be bounded. The full scan runs only when a long
    run of number characters appears at all, which normal bodies never have."""
    if _LONG_DIGIT_RUN.search(raw_json) is None:
        return False
    return any(
        match.end() - match.start() > MAX_NUMBER_TEXT_LENGTH
        for match in _JSON_STRING_OR_NUMBER.finditer(raw_json)
        if match.group()[:1] != b'"'
    )
