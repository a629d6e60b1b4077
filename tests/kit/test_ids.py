"""kit.ids: identifiers, share codes and their lookup form."""

import math
import re

from kohort.kit.ids import (
    SHARE_CODE_ALPHABET,
    SHARE_CODE_LENGTH,
    hash_secret,
    new_id,
    new_share_code,
    secrets_match,
    share_code_key,
)


def test_ids_carry_their_prefix_and_are_unique() -> None:
    ids = {new_id("ord") for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"ord_[0-9a-f]{20}", item) for item in ids)


def test_share_codes_per_mode() -> None:
    assert re.fullmatch(r"KHT-[23456789A-HJ-NP-Z]{8}", new_share_code(livemode=True))
    assert re.fullmatch(r"KHT-test-[23456789A-HJ-NP-Z]{8}", new_share_code(livemode=False))
    assert re.fullmatch(r"KHTPAY-[23456789A-HJ-NP-Z]{8}", new_share_code(livemode=True, prefix="KHTPAY"))
    assert re.fullmatch(r"KHTPAY-test-[23456789A-HJ-NP-Z]{8}", new_share_code(livemode=False, prefix="KHTPAY"))


def test_share_codes_carry_40_bits_from_the_whole_alphabet() -> None:
    assert len(SHARE_CODE_ALPHABET) == len(set(SHARE_CODE_ALPHABET)) == 32  # 5 bits per character
    assert not set("01IO") & set(SHARE_CODE_ALPHABET)  # no look-alikes
    assert math.log2(len(SHARE_CODE_ALPHABET)) * SHARE_CODE_LENGTH >= 40
    bodies = [new_share_code(livemode=True).removeprefix("KHT-") for _ in range(2000)]
    assert len(set(bodies)) == len(bodies)
    # Every symbol is drawn: 16 000 draws leave none of the 32 unused (a hex-only generator would).
    assert set("".join(bodies)) == set(SHARE_CODE_ALPHABET)


def test_share_code_key_ignores_case_and_surrounding_spaces() -> None:
    assert share_code_key(" kht-test-1a2b3c4d ") == share_code_key("KHT-test-1A2B3C4D")


def test_legacy_khtpay_prefix_finds_the_same_group() -> None:
    # WooCommerce only intercepts coupons starting with "khtpay-" (SURFACES.md §4, W1).
    assert share_code_key("KHTPAY-test-1A2B3C4D") == share_code_key("KHT-test-1A2B3C4D")
    assert share_code_key("khtpay-1a2b3c4d") == share_code_key("KHT-1A2B3C4D")
    assert share_code_key("KHTPAY-test-1A2B3C4D") != share_code_key("KHT-1A2B3C4D")


def test_secret_hashing() -> None:
    assert secrets_match("sk_test_abc", hash_secret("sk_test_abc"))
    assert not secrets_match("sk_test_abd", hash_secret("sk_test_abc"))
