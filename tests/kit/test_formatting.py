"""Money and languages for shoppers, exactly as the original's pages printed them."""

from datetime import UTC, datetime

from kohort.kit import formatting as fmt
from kohort.kit.crypto import Cipher, DecryptionError, new_key


def test_money_in_french_uses_a_comma_and_a_no_break_space_before_the_euro_sign() -> None:
    assert fmt.money(300, "fr_FR") == "3,00\u00a0€"
    assert fmt.money(123_450, "fr_FR") == "1\u202f234,50\u00a0€"


def test_money_in_english_puts_the_euro_sign_first() -> None:
    assert fmt.money(300, "en_US") == "€3.00"
    assert fmt.money(8000, "en_US") == "€80.00"
    assert fmt.money(300, "en_GB") == "€3.00"  # British English is shown as US English


def test_zero_is_an_amount_not_the_word_free() -> None:
    assert fmt.money(0, "fr_FR") == "0,00\u00a0€"


def test_page_locale_defaults_to_french() -> None:
    assert fmt.page_locale(None) == "fr_FR"
    assert fmt.page_locale("de_DE") == "fr_FR"
    assert fmt.page_locale("en_GB") == "en_US"


def test_accept_language_picks_the_preferred_of_french_and_english() -> None:
    assert fmt.locale_from_accept_language("en-US,en;q=0.9,fr;q=0.8") == "en_US"
    assert fmt.locale_from_accept_language("de-DE,fr;q=0.5,en;q=0.9") == "en_US"
    assert fmt.locale_from_accept_language("fr-FR,fr;q=0.9") == "fr_FR"
    assert fmt.locale_from_accept_language("de-DE") == "fr_FR"
    assert fmt.locale_from_accept_language(None) == "fr_FR"


def test_dates_follow_the_locale() -> None:
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert fmt.date(moment, "en_US") == "Nov 27, 2026"
    assert fmt.date(moment, "fr_FR") == "27 nov. 2026"


def test_ciphertexts_are_bound_to_their_key_and_row() -> None:
    cipher = Cipher(new_key())
    sealed = cipher.encrypt("FR1420041010050500013M02606", associated_data="payout:po_1")
    assert "FR14" not in sealed
    assert cipher.decrypt(sealed, associated_data="payout:po_1") == "FR1420041010050500013M02606"
    for attempt in (lambda: cipher.decrypt(sealed, associated_data="payout:po_2"),
                    lambda: Cipher(new_key()).decrypt(sealed, associated_data="payout:po_1")):
        try:
            attempt()
        except DecryptionError:
            continue
        raise AssertionError("decrypted with the wrong key or row")
