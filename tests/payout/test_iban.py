"""IBAN rules: checksum, structure, SEPA zone, and the masked form."""

import pytest

from kohort.payout.iban import InvalidIban, mask, validate_sepa_iban


def test_a_valid_iban_is_normalized_whatever_the_spacing_and_case() -> None:
    assert validate_sepa_iban("fr14 2004 1010 0505 0001 3m02 606") == "FR1420041010050500013M02606"


@pytest.mark.parametrize(("raw", "code"), [
    ("", "IBAN_REQUIRED"),
    ("FR1520041010050500013M02606", "IBAN_INVALID_CHECKSUM"),
    ("not an iban", "IBAN_INVALID"),
    ("US12345678901234", "IBAN_NOT_SEPA"),
    ("BR1800360305000010009795493C1", "IBAN_NOT_SEPA"),
])
def test_invalid_or_non_sepa_ibans_are_refused_with_a_code(raw: str, code: str) -> None:
    with pytest.raises(InvalidIban) as refused:
        validate_sepa_iban(raw)
    assert refused.value.code == code
    assert refused.value.message.startswith("iban:")


def test_mask_shows_the_country_check_digits_and_last_four() -> None:
    assert mask("FR1420041010050500013M02606") == "FR14 •••• 2606"
