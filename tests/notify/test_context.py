"""notify.context: the one builder of what every email template is given."""

from __future__ import annotations

from typing import Any

from kohort.customer.domain import Customer
from kohort.models import OrderStatus
from kohort.notify.context import email_context, next_level
from kohort.order.domain import Order
from tests.referral_group.test_lifecycle import NOW, group


def person(first_name: str | None, last_name: str | None) -> Customer:
    return Customer(
        id="cus_1", organization_id="org_1", livemode=False, email_address="a@example.com", email_key="a@example.com",
        first_name=first_name, last_name=last_name, phone_number=None, locale="en_US", is_blocked=False,
        blocked_at=None, blocked_by=None, client_reference_id=None, metadata=None, created_at=NOW, created_by=None,
        updated_at=NOW, updated_by=None, deleted_at=None, erased_at=None, erased_by=None,
    )


def context(**fields: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "brand": {"name": "Maison Lune"}, "owner": person("Ann", "Lee"),
        "recipient": person("Bob", "Roe"), "locale": "en_GB", "campaign": "midway_reminder",
        "public_url": "https://kohort.example", **fields,
    }
    return email_context(group(), **arguments)


def test_the_group_part_names_the_owner_and_links_the_page_in_the_recipients_language() -> None:
    built = context()
    assert built["group"]["owner_name"] == "Ann L."
    assert built["group"]["url"].startswith("https://kohort.example/en_US/pg/KH-1?")
    assert "utm_campaign=midway_reminder" in built["group"]["url"]
    assert built["group"]["expires_at"] == "2025-03-10T16:30:00.000Z"
    assert (built["discount_type"], built["first_level_value"], built["max_level_value"]) == ("PERCENTAGE", 5, 15)


def test_the_greeting_uses_the_recipients_own_first_name_or_none() -> None:
    assert context()["first_name"] == "Bob"
    assert context(recipient=person("", "Roe"))["first_name"] is None
    assert context(recipient=None)["first_name"] is None
    assert context(owner=None)["group"]["owner_name"] is None


def test_an_order_and_the_details_of_the_kind_are_added() -> None:
    assert "order" not in context()
    order = Order(
        id="ord_1", organization_id="org_1", livemode=False, amount=3000, amount_cashback=None,
        application_fee_amount=0, customer_email=None, customer_first_name=None, customer_last_name=None,
        customer_phone_number=None, payment_group_share_id="KH-1", customer_id="cus_1", currency="EUR",
        locale="en_US", status=OrderStatus.CREATED, metadata=None, payment_group_id="pg_1", ambassador_id=None,
        client_reference_id=None, risk_level="LOW", withdrawal_token_hash=None, created_at=NOW, created_by=None,
        updated_at=NOW, updated_by=None, amount_refunded=0, application_fee_basis_points=None,
        cashback_available_at=None, line_items=(), success_url=None, cancel_url=None,
        cashback_netted=0,
    )
    built = context(order=order, cashback=300, retry=True)
    assert built["order"] == {"id": "ord_1", "amount": 3000, "created_at": "2025-03-10T15:30:00.000Z"}
    assert (built["cashback"], built["retry"]) == (300, True)


def test_the_next_level_says_how_many_more_friends() -> None:
    assert next_level(group(), 1) == {"friends": 1, "value": 5}
    assert next_level(group(), 3) == {"friends": 2, "value": 10}
    assert next_level(group(), 10) is None
