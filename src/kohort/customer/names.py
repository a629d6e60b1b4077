"""How a shopper is named to other shoppers: "Ann L." (first name and last initial), never more.

Pages and emails both ask this function, so a shopper is named the same way everywhere.
"""

from __future__ import annotations


def display_name(first_name: str | None, last_name: str | None) -> str | None:
    """"Ann L." from Ann Lee; "Ann" without a last name; None without a first name, whatever the last
    name: an initial alone ("L.") names nobody to the reader, so callers say "a friend" instead."""
    first = (first_name or "").strip()
    if not first:
        return None
    initial = (last_name or "").strip()[:1].upper()
    return f"{first} {initial}." if initial else first
