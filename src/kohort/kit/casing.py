"""Key casing for the wire. Defined once: camelCase is the documented form, snake_case the legacy one."""

from __future__ import annotations

import re
from typing import Any

_UPPER = re.compile(r"(?<!^)(?=[A-Z])")

PASSTHROUGH_KEYS = frozenset({"metadata"})


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_snake(name: str) -> str:
    """Split before each upper-case letter; digits stay attached (jMinus2ExpireAt → j_minus2_expire_at),
    exactly as the original server did."""
    return _UPPER.sub("_", name).lower()


def snake_keys(value: Any) -> Any:
    """Recursively rename keys to snake_case, leaving the contents of `metadata` untouched."""
    if isinstance(value, dict):
        return {
            to_snake(key): (item if key in PASSTHROUGH_KEYS else snake_keys(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value
