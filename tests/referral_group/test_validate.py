"""POST /groups/{code}/validate (and /payment-groups/…): what carts call, often with no body at all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kohort.kit.clock import FrozenClock
from tests.factories.group import join, set_group_settings
from tests.factories.merchant import Merchant, unique_email

VALIDATION_FIELDS = {
    "id", "shareId", "livemode", "organizationId", "status", "expiresAt", "createdAt", "participantCount",
    "discountType", "discountLevels", "maxParticipants", "minutesDuration", "minPurchaseValue",
    "paymentGroupSettings", "currentDiscountLevel",
}


@pytest.mark.parametrize("prefix", ["/groups", "/payment-groups"])
async def test_woocommerce_call_without_body_or_content_type(merchant: Merchant, prefix: str) -> None:
    owner = await merchant.order()
    code = owner["paymentGroupShareId"].lower()  # shoppers type codes in any case
    response = await merchant.client.post(
        f"{prefix}/{code}/validate",
        headers={"Authorization": f"Bearer {merchant.keys['sk_test']}", "Kohort-Version": "2024-01-01"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["discount_type"] == "PERCENTAGE"
    assert body["current_discount_level"]["value"] == 5
    assert body["id"] == owner["paymentGroupId"]


async def test_prestashop_call_with_amount(merchant: Merchant) -> None:
    owner = await merchant.order()
    response = await merchant.post(f"/payment-groups/{owner['paymentGroupShareId']}/validate", json={"amount": 12_000},
                                   headers={"Kohort-Version": "2024-01-01"})
    assert response.status_code == 200
    assert response.json()["current_discount_level"] == {"level": 1, "participants_to_unlock": 2, "value": 5}


async def test_answer_has_the_settings_copy_at_top_level_and_no_personal_data(merchant: Merchant) -> None:
    email = unique_email("owner")
    owner = await merchant.order(email=email, customerPhoneNumber="+33 6 00", metadata={"k": "v"})
    friend_email = unique_email("friend")
    await join(merchant, owner["paymentGroupShareId"], email=friend_email)
    response = await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate", key="pk_test")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == VALIDATION_FIELDS
    assert body["participantCount"] == 2
    assert body["paymentGroupSettings"]["discountLevels"] == body["discountLevels"]
    for secret in (email, friend_email, owner["customerId"], "Ann", "Lee", "+33 6 00", "creatorEmail", "customer"):
        assert secret not in response.text


async def test_current_level_is_the_level_reached_with_one_more_participant(merchant: Merchant) -> None:
    await set_group_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 5},
                                                       {"participantsToUnlock": 3, "value": 10},
                                                       {"participantsToUnlock": 4, "value": 15}])
    owner = await merchant.order()
    code = owner["paymentGroupShareId"]
    seen = []
    for _ in range(3):
        seen.append((await merchant.post(f"/groups/{code}/validate")).json()["currentDiscountLevel"]["value"])
        await join(merchant, code)
    seen.append((await merchant.post(f"/groups/{code}/validate")).json()["currentDiscountLevel"]["value"])
    assert seen == [5, 10, 15, 15]


async def test_validate_has_no_side_effects(merchant: Merchant) -> None:
    owner = await merchant.order()
    for _ in range(3):
        assert (await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate",
                                    json={"customerEmail": unique_email(), "amount": 100})).status_code == 200
    group = (await merchant.get(f"/groups/{owner['paymentGroupId']}")).json()
    assert group["participantCount"] == 1
    assert (await merchant.get("/customers")).json()["count"] == 1


async def test_unknown_code_is_not_found(merchant: Merchant) -> None:
    for code in ("KHT-test-00000000", "nonsense", "KHTAMB-12345678"):
        response = await merchant.post(f"/payment-groups/{code}/validate")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_member_email_is_already_used(merchant: Merchant) -> None:
    email = unique_email()
    owner = await merchant.order(email=email)
    for candidate in (email, email.upper()):
        response = await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate",
                                       json={"customer_email": candidate})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "EMAIL_ALREADY_USED"
    friend = unique_email()
    await join(merchant, owner["paymentGroupShareId"], email=friend)
    response = await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate", json={"customerEmail": friend})
    assert response.json()["error"]["code"] == "EMAIL_ALREADY_USED"


async def test_amount_below_the_group_minimum(merchant: Merchant) -> None:
    await set_group_settings(merchant, minPurchaseValue=3000)
    owner = await merchant.order(amount=5000)
    response = await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate", json={"amount": 2999})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AMOUNT_TOO_LOW"
    assert (await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate", json={"amount": 3000})).status_code == 200


async def test_full_group(merchant: Merchant) -> None:
    await set_group_settings(merchant, maxParticipants=2)
    owner = await merchant.order()
    await join(merchant, owner["paymentGroupShareId"])
    response = await merchant.post(f"/groups/{owner['paymentGroupShareId']}/validate")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MAX_PARTICIPANTS_REACHED"


async def test_ended_groups(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    canceled = await merchant.order()
    assert (await merchant.post(f"/groups/{canceled['paymentGroupId']}/cancel")).status_code == 200
    running = await merchant.order()
    response = await merchant.post(f"/groups/{canceled['paymentGroupShareId']}/validate")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "COMPLETED_EXPIRED_CANCELED")

    frozen_clock.advance(timedelta(days=7, seconds=1))
    response = await merchant.post(f"/groups/{running['paymentGroupShareId']}/validate")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "COMPLETED_EXPIRED_CANCELED")


async def test_bad_validate_bodies_are_400(merchant: Merchant) -> None:
    owner = await merchant.order()
    path = f"/payment-groups/{owner['paymentGroupShareId']}/validate"
    for body in (b"{", b"[]", b'"x"', b'{"amount": "lots"}', b'{"amount": true}', b'{"customerEmail": "not-an-email"}',
                 b'{"amount": -5}'):
        response = await merchant.client.post(path, content=body, headers={
            **merchant.headers(), "Content-Type": "application/json"})
        assert response.status_code == 400, (body, response.text)


async def test_legacy_khtpay_prefix_is_accepted(merchant: Merchant) -> None:
    owner = await merchant.order()
    suffix = owner["paymentGroupShareId"].removeprefix("KHT-")  # "test-XXXXXXXX"
    legacy = f"khtpay-{suffix.lower()}"  # what WooCommerce sends for its "khtpay-" coupons
    response = await merchant.post(f"/payment-groups/{legacy}/validate")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == owner["paymentGroupId"]
    friend = await merchant.order(share_code=f"KHTPAY-{suffix}")
    assert friend["paymentGroupId"] == owner["paymentGroupId"]
    assert (await merchant.get(f"/groups/KHTPAY-{suffix}")).json()["id"] == owner["paymentGroupId"]
