"""kit.ids: identifiers, share codes and their lookup form."""

import re

from kohort.kit.ids import hash_secret, new_id, new_share_code, secrets_match, share_code_key


def test_ids_carry_their_prefix_and_are_unique() -> None:
    ids = {new_id("ord") for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"ord_[0-9a-f]{20}", item) for item in ids)


def test_share_codes_per_mode() -> None:
    assert re.fullmatch(r"KHT-[0-9A-F]{8}", new_share_code(livemode=True))
    assert re.fullmatch(r"KHT-test-[0-9A-F]{8}", new_share_code(livemode=False))


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
