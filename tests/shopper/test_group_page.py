"""The group page and its invite view, in French and English, without personal data."""

import re

from tests.factories.merchant import Merchant


async def _group_with_orders(merchant: Merchant, amounts: list[int]) -> tuple[str, list[dict]]:
    await merchant.patch("/payment-group-settings", json={
        "discountLevels": [{"participantsToUnlock": 2, "value": 10}, {"participantsToUnlock": 4, "value": 20}]})
    owner = await merchant.order(amount=amounts[0], email="owner.page@example.com", customerFirstName="Alice",
                                 customerLastName="Martin", customerPhoneNumber="+33612345678")
    orders = [owner]
    for index, amount in enumerate(amounts[1:]):
        orders.append(await merchant.order(amount=amount, share_code=owner["paymentGroupShareId"],
                                           customerFirstName=f"Friend{index}", customerLastName="Zed"))
    return owner["paymentGroupShareId"], orders


async def test_english_group_page_shows_amounts_and_cashback_at_the_level_reached(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000, 8000, 5000])
    response = await merchant.client.get(f"/en_US/pg/{code}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<meta charset="utf-8">' in page
    # 10 % of €30 and of €80
    assert "€3.00" in page
    assert "€80.00" in page
    assert "€8.00" in page
    assert "Invite" in page
    assert "Alice M." in page
    assert "Friend0 Z." in page
    assert code in page
    assert "provisional" in page
    assert 'class="current"' in page  # the level reached is highlighted


async def test_french_page_formats_money_the_french_way(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000, 8000])
    page = (await merchant.client.get(f"/fr_FR/pg/{code}")).text
    assert "3,00\u00a0€" in page
    assert "Inviter" in page


async def test_no_email_phone_or_full_last_name_ever_appears(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000, 8000])
    for path in (f"/fr_FR/pg/{code}", f"/en_US/pg/{code}?inviteMode=true"):
        page = (await merchant.client.get(path)).text
        assert "@" not in re.sub(r"mailto:[^\"]*", "", page)
        assert "owner.page" not in page
        assert "612345678" not in page
        assert "Martin" not in page


async def test_locale_comes_from_accept_language_without_one_in_the_path(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000])
    english = await merchant.client.get(f"/pg/{code}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    french = await merchant.client.get(f"/pg/{code}", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en">' in english.text
    assert '<html lang="fr">' in french.text


async def test_share_codes_match_case_insensitively(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000])
    assert (await merchant.client.get(f"/en_US/pg/{code.lower()}")).status_code == 200


async def test_invite_mode_shows_what_a_friend_can_reach(merchant: Merchant) -> None:
    await merchant.patch("/payment-group-settings", json={"minPurchaseValue": 2500})
    code, _ = await _group_with_orders(merchant, [3000])
    await merchant.patch("/brand-settings", json={"websiteUrl": "https://maison-lune.example"})
    page = (await merchant.client.get(f"/en_US/pg/{code}?inviteMode=true")).text
    assert "Alice M. invites you" in page
    # where to shop, minimum purchase; the percentage reachable now, and at most
    assert "maison-lune.example" in page
    assert "€25.00" in page
    assert "10%" in page
    assert "20%" in page


async def test_unknown_code_is_a_friendly_404_page(merchant: Merchant) -> None:
    response = await merchant.client.get("/fr_FR/pg/KHT-test-NOPE0000")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "text/html" in response.headers["content-type"]
    assert (await merchant.client.get("/xx_XX/pg/KHT-test-NOPE0000")).status_code == 404


async def test_a_test_mode_group_shows_the_test_banner(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000])
    assert "Test environment" in (await merchant.client.get(f"/en_US/pg/{code}")).text


async def test_the_next_level_line_is_singular_or_plural_in_both_languages(merchant: Merchant) -> None:
    code, _ = await _group_with_orders(merchant, [3000])  # next level (10 %) at 2 participants: 1 friend
    assert "1 more friend to reach 10%." in (await merchant.client.get(f"/en_US/pg/{code}")).text
    assert "Encore 1 ami pour atteindre 10\u00a0%." in (await merchant.client.get(f"/fr_FR/pg/{code}")).text
    await merchant.order(amount=3000, share_code=code)  # next level (20 %) at 4 participants: 2 friends
    assert "2 more friends to reach 20%." in (await merchant.client.get(f"/en_US/pg/{code}")).text
    assert "Encore 2 amis pour atteindre 20\u00a0%." in (await merchant.client.get(f"/fr_FR/pg/{code}")).text
