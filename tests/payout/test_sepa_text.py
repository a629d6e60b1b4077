"""Names and remittance texts in the SEPA basic Latin set: transliterated, or refused when they cannot be."""

import pytest

from kohort.payout.sepa_text import ALLOWED, NotSepaText, transliterate


@pytest.mark.parametrize(("raw", "expected"), [
    ("Zoë Müller-Łukasz", "Zoe Mueller-Lukasz"),
    ("José Ñúñez", "Jose Nunez"),
    ("Mu\u0308ller", "Mueller"),  # decomposed input spells like composed input
    ("Søren Ærø Straße", "Soren AEro Strasse"),
    ("O’Brien & Œuvre", "O'Brien + OEuvre"),
    ("  Ann \t Lee  ", "Ann Lee"),
    ("Ann 😀 Lee", "Ann Lee"),
])
def test_latin_text_is_transliterated_into_the_sepa_set(raw: str, expected: str) -> None:
    assert transliterate(raw) == expected
    assert set(expected) <= ALLOWED


@pytest.mark.parametrize("raw", ["😀😀", "Иван Петров", "李小龍", "Ann 李", "   ", "---", "\u0301"])
def test_text_that_cannot_be_written_in_the_sepa_set_is_refused(raw: str) -> None:
    with pytest.raises(NotSepaText):
        transliterate(raw)


def test_the_result_is_cut_to_the_field_length() -> None:
    assert transliterate("ä" * 40) == "ae" * 35
    assert len(transliterate("x " * 100, max_length=140)) <= 140
