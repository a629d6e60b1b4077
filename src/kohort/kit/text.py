"""Text that ends up in an email header (a sender's display name, a subject) must stay on one line.

A line break there either lets the text add headers of its own (`Bcc:`) or, with Python's email
package, makes every message that carries it fail to build, so each of the merchant's emails is
retried until dead. Such text is refused where it enters, and cleaned where a header is built from a
value stored before that rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

# Unicode's line-breaking characters beyond the C0/C1 controls (which include CR, LF, NEL, tab).
_LINE_SEPARATORS = frozenset("\u2028\u2029")
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

SINGLE_LINE_MESSAGE = "must be a single line without control characters"


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character (CR, LF, tab, NUL, C1 controls) or a line separator."""
    return any(unicodedata.category(char) == "Cc" or char in _LINE_SEPARATORS for char in text)


def single_line(text: str) -> str:
    """`text` with each run of control characters or line separators replaced by one space."""
    return _CONTROL_RUN.sub(" ", text).strip()


def _refuse_control_characters(value: Any) -> Any:
    if isinstance(value, str) and has_control_characters(value):
        raise ValueError(SINGLE_LINE_MESSAGE)
    return value


# A request field whose text reaches an email header: refused (400) if it holds a control character.
HeaderText = Annotated[str, BeforeValidator(_refuse_control_characters)]
