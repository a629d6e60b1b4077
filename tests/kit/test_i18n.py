"""The gettext catalogues: complete in both languages, with real plural forms, for pages and emails."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import kohort
from kohort.email.content import build, duration
from kohort.kit.i18n import LOCALES, catalogue_path, translator

SOURCE = Path(kohort.__file__).parent
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}

MessageKey = tuple[str | tuple[str, ...], str | None]


def used_messages() -> dict[MessageKey, str]:
    """Every message id the code and templates use (singular, or singular and plural), with where."""
    used: dict[MessageKey, str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(SOURCE, METHODS, keywords=KEYWORDS):
        used.setdefault((message, context), f"{filename}:{lineno}")
    return used


def catalogue(locale: str) -> Catalog:
    with catalogue_path(locale).open("rb") as source:
        return read_po(source, locale=locale)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_used_is_translated(locale: str) -> None:
    translations = catalogue(locale)
    missing = []
    for (message, context), where in used_messages().items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = translations.get(msgid, context=context)
        forms = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not all(forms if isinstance(forms, tuple) else [forms]):
            missing.append(f"{where}: {msgid!r}")
        elif isinstance(message, tuple) and entry.id != message:
            missing.append(f"{where}: {msgid!r} has no plural {message[1]!r} in the catalogue")
    assert missing == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_their_message(locale: str) -> None:
    wrong = []
    for entry in catalogue(locale):
        if not entry.id:
            continue  # the header
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(placeholders(text) for text in ids))
        wrong += [f"{ids[0]!r} → {form!r}" for form in forms if placeholders(form) - expected]
        wrong += [f"{ids[0]!r} → {form!r}" for form in forms if placeholders(form) < placeholders(ids[0])]
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_holds_no_message_nobody_uses(locale: str) -> None:
    used = {(message[0] if isinstance(message, tuple) else message, context) for message, context in used_messages()}
    unused = [entry.id for entry in catalogue(locale) if entry.id and
              ((entry.id[0] if isinstance(entry.id, tuple) else entry.id), entry.context) not in used]
    assert unused == []


@pytest.mark.parametrize(
    ("locale", "one", "two"),
    [
        ("en_US", "1 more friend to reach 10%.", "2 more friends to reach 10%."),
        ("fr_FR", "Encore 1 ami pour atteindre 10%.", "Encore 2 amis pour atteindre 10%."),
    ],
)
def test_plural_forms_follow_the_count(locale: str, one: str, two: str) -> None:
    tr = translator(locale)
    singular, plural = "{count} more friend to reach {value}.", "{count} more friends to reach {value}."
    assert tr.ngettext(singular, plural, 1, value="10%") == one
    assert tr.ngettext(singular, plural, 2, value="10%") == two


def test_zero_is_singular_in_french_and_plural_in_english() -> None:
    assert duration(30, "fr_FR") == "0 minute"
    assert duration(30, "en_US") == "0 minutes"
    assert duration(86_400 + 3 * 3600, "fr_FR") == "1 jour et 3 heures"
    assert duration(2 * 86_400 + 3600, "en_US") == "2 days and 1 hour"


@pytest.mark.parametrize(
    ("locale", "friends", "line"),
    [
        ("en_US", 1, "1 more friend to reach 10% cashback."),
        ("en_US", 3, "3 more friends to reach 10% cashback."),
        ("fr_FR", 1, "Encore 1 ami pour atteindre 10\u00a0% de cashback."),
        ("fr_FR", 3, "Encore 3 amis pour atteindre 10\u00a0% de cashback."),
    ],
)
def test_an_email_says_how_many_more_friends_in_the_right_form(locale: str, friends: int, line: str) -> None:
    context = {"brand": {"name": "Maison Lune"}, "discount_type": "PERCENTAGE", "cashback": 300,
               "group": {"share_id": "KHT-1", "url": "https://example.com/pg"},
               "next_level": {"friends": friends, "value": 10}}
    assert line in build("group_joined", locale, context).paragraphs


def test_an_unknown_locale_reads_french() -> None:
    assert translator("de_DE").gettext("Copy") == "Copier"


def test_templates_call_no_other_translation_function() -> None:
    """A call the extractor cannot see would escape the completeness check above."""
    calls = re.compile(r"\b(t|gettext|_)\(\s*[a-z_]")  # a variable where a literal message id belongs
    offenders = [str(path) for path in SOURCE.glob("**/templates/*.html") if calls.search(path.read_text())]
    assert offenders == []
