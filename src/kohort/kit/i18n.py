"""Translations: one gettext catalogue per language (`kohort/locale/<locale>/LC_MESSAGES/messages.po`),
shared by the shopper pages and the emails.

Message ids are the English texts; both catalogues translate every one of them (en_US too, so that a
wording can change without touching code, and a test can insist on completeness). Placeholders are
`str.format` names, filled after translation. The `.po` files are compiled when first used: no build
step, no generated file to keep in step with its source, and two small catalogues compile in
milliseconds.

A new text: write it in English where it is used (`_("…")` or `ngettext("…", "…", n)` in a template,
`translator(locale).gettext("…")` in code, `N_("…")` for a text translated later), then add it to both
`.po` files; tests/kit/test_i18n.py names any text used but missing, and any entry no longer used.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LOCALES = ("fr_FR", "en_US")
DEFAULT_LOCALE = "fr_FR"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark for translation only"
    """Marks a message id for the catalogue without translating it (translated later, by id)."""
    return message


@dataclass(frozen=True)
class Translator:
    """The texts of one language: `gettext`, `ngettext` and `pgettext`, each filling `{name}` placeholders."""

    locale: str
    translations: gettext.GNUTranslations

    def gettext(self, message: str, /, **values: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The form for `count` in this language's plural rule; `{count}` is filled with `count`."""
        return self.translations.ngettext(singular, plural, count).format(**{"count": count, **values})

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        text = self.translations.pgettext(context, message)
        return text.format(**values) if values else text

    def template_functions(self) -> dict[str, Callable[..., str]]:
        """What templates call, under the names gettext's tools look for: `_`, `ngettext`, `pgettext`.
        Their results are plain text, escaped by Jinja like any other value."""
        return {"_": self.gettext, "gettext": self.gettext, "ngettext": self.ngettext, "pgettext": self.pgettext}


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(locale: str) -> Translator:
    """The translator of `locale` (fr_FR or en_US; anything else reads French, the default)."""
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    with catalogue_path(locale).open("rb") as source:
        catalogue = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translator(locale=locale, translations=gettext.GNUTranslations(compiled))
