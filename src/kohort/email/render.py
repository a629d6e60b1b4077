"""Rendering an email: HTML (autoescaped) and plain-text parts from one content structure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kohort.email.content import build
from kohort.kit import formatting as fmt
from kohort.kit.i18n import translator

_TEMPLATES = Path(__file__).parent / "templates"
# Autoescape HTML only; the text part is plain text, never interpreted as markup.
_environment = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    # The templates ship with the package: checking their files for changes at every email cost more
    # than rendering it (a stat per template per email, on the sending path).
    auto_reload=False,
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def render(kind: str, locale: str, context: dict[str, Any]) -> RenderedEmail:
    locale = fmt.page_locale(locale)
    content = build(kind, locale, context)
    footer = f"{context['brand']['name']} · {translator(locale).gettext('Powered by Kohort')}"
    values = {"content": content, "brand": context["brand"], "lang": locale[:2], "footer": footer}
    return RenderedEmail(
        subject=content.subject,
        html=_environment.get_template("layout.html").render(**values),
        text=_environment.get_template("layout.txt").render(**values),
    )
