"""/payment-group-settings: defaults, validation, and groups keeping the copy taken at creation."""

from __future__ import annotations

import pytest

from tests.factories.group import get_group, set_group_settings
from tests.factories.merchant import Merchant

DEFAULT_LEVELS = [
    {"level": 1, "participantsToUnlock": 2, "value": 5},
    {"level": 2, "participantsToUnlock": 5, "value": 10},
    {"level": 3, "participantsToUnlock": 10, "value": 15},
]


@pytest.mark.parametrize("key", ["sk_test", "sk_live"])
async def test_defaults_in_both_modes(merchant: Merchant, key: str) -> None:
    response = await merchant.get("/payment-group-settings", key=key)
    assert response.status_code == 200
    settings = response.json()
    assert settings["discountType"] == "PERCENTAGE"
    assert settings["discountLevels"] == DEFAULT_LEVELS
    assert (settings["maxParticipants"], settings["minutesDuration"], settings["minPurchaseValue"]) == (15, 10080, 0)
    assert settings["livemode"] is (key == "sk_live")
    assert settings["organizationId"] == merchant.id


async def test_update_replaces_levels_and_numbers(merchant: Merchant) -> None:
    settings = await set_group_settings(
        merchant, discountType="AMOUNT", maxParticipants=4, minutes_duration=60, minPurchaseValue="2500",
        discountLevels=[{"participantsToUnlock": 2, "value": 3}, {"participants_to_unlock": 4, "value": 8}],
    )
    assert settings["discountType"] == "AMOUNT"
    assert settings["discountLevels"] == [
        {"level": 1, "participantsToUnlock": 2, "value": 3}, {"level": 2, "participantsToUnlock": 4, "value": 8}]
    assert (settings["maxParticipants"], settings["minutesDuration"], settings["minPurchaseValue"]) == (4, 60, 2500)
    assert (await merchant.get("/payment-group-settings")).json() == settings
    # The other mode keeps its own settings.
    live = (await merchant.get("/payment-group-settings", key="sk_live")).json()
    assert live["discountLevels"] == DEFAULT_LEVELS
    assert live["maxParticipants"] == 15


async def test_partial_update_keeps_the_rest(merchant: Merchant) -> None:
    settings = await set_group_settings(merchant, maxParticipants=2)
    assert settings["maxParticipants"] == 2
    assert settings["discountLevels"] == DEFAULT_LEVELS
    assert settings["minutesDuration"] == 10080


@pytest.mark.parametrize(
    "changes",
    [
        {"discountLevels": []},
        {"discountLevels": [{"participantsToUnlock": 2 + index, "value": 1 + index} for index in range(6)]},
        {"discountLevels": [{"participantsToUnlock": 3, "value": 5}]},  # first level must unlock at 2
        {"discountLevels": [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 2, "value": 10}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 4, "value": 3}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 4, "value": 5}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": 50}, {"participantsToUnlock": 4, "value": 101}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": 5.5}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": -1}]},
        {"discountLevels": [{"participantsToUnlock": 2, "value": True}]},
        {"discountLevels": [{"participantsToUnlock": 2}]},
        {"discountLevels": {"participantsToUnlock": 2, "value": 5}},
        {"discountLevels": [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 1001, "value": 6}]},
        {"discountType": "percentage"},
        {"discountType": "CASH"},
        {"maxParticipants": 1},
        {"maxParticipants": 1001},
        {"maxParticipants": "many"},
        {"maxParticipants": 2.5},
        {"minutesDuration": 0},
        {"minutesDuration": 129_601},
        {"minutesDuration": 10**30},
        {"minPurchaseValue": -1},
        {"minPurchaseValue": "cheap"},
        {"minPurchaseValue": 10**30},
    ],
)
async def test_invalid_updates_are_400_and_change_nothing(merchant: Merchant, changes: dict[str, object]) -> None:
    before = (await merchant.get("/payment-group-settings")).json()
    response = await merchant.patch("/payment-group-settings", json=changes)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"]
    assert (await merchant.get("/payment-group-settings")).json() == before


async def test_switching_to_percentage_checks_the_existing_levels(merchant: Merchant) -> None:
    await set_group_settings(merchant, discountType="AMOUNT",
                             discountLevels=[{"participantsToUnlock": 2, "value": 50}, {"participantsToUnlock": 3, "value": 150}])
    response = await merchant.patch("/payment-group-settings", json={"discountType": "PERCENTAGE"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_LEVELS"


async def test_bounds_are_accepted(merchant: Merchant) -> None:
    settings = await set_group_settings(
        merchant, maxParticipants=1000, minutesDuration=129_600, minPurchaseValue=0,
        discountLevels=[{"participantsToUnlock": 2, "value": 1}, {"participantsToUnlock": 3, "value": 2},
                        {"participantsToUnlock": 4, "value": 3}, {"participantsToUnlock": 5, "value": 4},
                        {"participantsToUnlock": 1000, "value": 100}],
    )
    assert (settings["maxParticipants"], settings["minutesDuration"]) == (1000, 129_600)
    assert len(settings["discountLevels"]) == 5
    settings = await set_group_settings(merchant, maxParticipants=2, minutesDuration=1)
    assert (settings["maxParticipants"], settings["minutesDuration"]) == (2, 1)


async def test_a_group_keeps_the_settings_it_was_created_with(merchant: Merchant) -> None:
    before = await merchant.order()
    await set_group_settings(merchant, discountType="AMOUNT", maxParticipants=3, minutesDuration=30, minPurchaseValue=7000,
                             discountLevels=[{"participantsToUnlock": 2, "value": 20}])
    after = await merchant.order(amount=8000)

    old = await get_group(merchant, before["paymentGroupId"], **{"expand[]": "paymentGroupSettings"})
    assert old["paymentGroupSettings"]["discountType"] == "PERCENTAGE"
    assert old["paymentGroupSettings"]["discountLevels"] == DEFAULT_LEVELS
    assert (old["paymentGroupSettings"]["maxParticipants"], old["paymentGroupSettings"]["minPurchaseValue"]) == (15, 0)
    validation = (await merchant.post(f"/groups/{before['paymentGroupShareId']}/validate", json={"amount": 100})).json()
    assert validation["discountType"] == "PERCENTAGE"
    assert validation["currentDiscountLevel"]["value"] == 5
    assert validation["maxParticipants"] == 15
    assert validation["minPurchaseValue"] == 0
    # Joining the old group follows its copy: no 7000 minimum there.
    joined = await merchant.order(amount=100, share_code=before["paymentGroupShareId"])
    assert joined["paymentGroupId"] == before["paymentGroupId"]

    new = await get_group(merchant, after["paymentGroupId"], **{"expand[]": "paymentGroupSettings.discountLevels"})
    assert new["paymentGroupSettings"]["discountType"] == "AMOUNT"
    assert new["paymentGroupSettings"]["discountLevels"] == [{"level": 1, "participantsToUnlock": 2, "value": 20}]
    assert (new["paymentGroupSettings"]["maxParticipants"], new["paymentGroupSettings"]["minutesDuration"]) == (3, 30)


@pytest.mark.parametrize("key", ["sk_test", "sk_live"])
async def test_share_code_prefix_decides_new_codes_and_any_prefix_finds_them(merchant: Merchant, key: str) -> None:
    """WooCommerce shops need codes starting with `KHTPAY-` (its plugin ignores other coupons); test mode
    keeps its `-test-` part; a code is found whichever known prefix, case and padding it is typed with."""
    assert (await merchant.get("/payment-group-settings", key=key)).json()["shareCodePrefix"] == "KHT"
    before = (await merchant.order(key=key))["paymentGroupShareId"]
    assert before.startswith("KHT-")
    settings = await set_group_settings(merchant, key=key, shareCodePrefix="KHTPAY")
    assert settings["shareCodePrefix"] == "KHTPAY"
    code = (await merchant.order(key=key))["paymentGroupShareId"]
    body = code.removeprefix("KHTPAY-test-" if key == "sk_test" else "KHTPAY-")
    assert code == ("KHTPAY-test-" if key == "sk_test" else "KHTPAY-") + body, code
    assert len(body) == 8
    pk = key.replace("sk_", "pk_")
    for typed in (code, code.lower(), f"  {code.lower()} ", code.replace("KHTPAY-", "KHT-"),
                  code.replace("KHTPAY-", "kht-")):
        response = await merchant.post(f"/groups/{typed}/validate", key=pk)
        assert response.status_code == 200, (typed, response.text)
        assert response.json()["shareId"] == code
    # Codes drawn before the change keep working under either prefix.
    for typed in (before, before.replace("KHT-", "khtpay-")):
        assert (await merchant.post(f"/groups/{typed}/validate", key=pk)).status_code == 200
    # The other mode keeps its own prefix.
    other = "sk_live" if key == "sk_test" else "sk_test"
    assert (await merchant.get("/payment-group-settings", key=other)).json()["shareCodePrefix"] == "KHT"


@pytest.mark.parametrize("prefix", ["KHTAMB", "kht", "", "KHTPAY-", 7, None, ["KHT"]])
async def test_share_code_prefix_is_one_of_the_known_ones(merchant: Merchant, prefix: object) -> None:
    response = await merchant.patch("/payment-group-settings", json={"shareCodePrefix": prefix})
    if prefix is None:  # null leaves it as it is, as for every other setting
        assert response.status_code == 200
        assert response.json()["shareCodePrefix"] == "KHT"
        return
    assert response.status_code == 400, response.text
    assert (await merchant.get("/payment-group-settings")).json()["shareCodePrefix"] == "KHT"
