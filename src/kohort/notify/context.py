"""What an email's template is given: the one place that turns a group, its brand and the people in it
into the context `email.content` renders (brand, ladder values, group link, greeting, order).

Pure: callers fetch the brand and the customers (once per batch in the bulk paths) and pass them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kohort.customer.domain import Customer
from kohort.customer.names import display_name
from kohort.kit.formatting import page_locale
from kohort.kit.timefmt import iso_z
from kohort.links import group_page_url
from kohort.order.domain import Order
from kohort.organization.ladder import DiscountLevel
from kohort.referral_group.domain import ReferralGroup


def email_context(
    group: ReferralGroup, *, brand: Mapping[str, Any], owner: Customer | None, recipient: Customer | None,
    locale: str, campaign: str, public_url: str, order: Order | None = None, **details: Any,
) -> dict[str, Any]:
    """The context of one email to `recipient` about `group`; `details` are what that kind adds
    (cashback, next level, withdrawal link, …). `campaign` tags the group page link."""
    ladder = group.ladder
    context: dict[str, Any] = {
        "brand": dict(brand),
        "discount_type": group.discount_type.value,
        "max_level_value": _level_value(ladder.top),
        "first_level_value": _level_value(ladder.first),
        "group": {
            "share_id": group.share_id,
            "url": group_page_url(public_url, page_locale(locale), group.share_id, campaign=campaign),
            "owner_name": person_name(owner),
            "expires_at": iso_z(group.expires_at),
        },
        "first_name": first_name(recipient),
    }
    if order is not None:
        context["order"] = {"id": order.id, "amount": order.amount, "created_at": iso_z(order.created_at)}
    return {**context, **details}


def next_level(group: ReferralGroup, participants: int) -> dict[str, int] | None:
    """The ladder's next level as the emails show it: how many more friends, and its value."""
    following = group.ladder.next_level(participants)
    if following is None:
        return None
    return {"friends": following.friends_needed, "value": following.level.value}


def person_name(customer: Customer | None) -> str | None:
    """How other shoppers see this customer ("Ann L."), or None."""
    return display_name(customer.first_name, customer.last_name) if customer is not None else None


def first_name(customer: Customer | None) -> str | None:
    """The greeting's name: the recipient's own first name."""
    return (customer.first_name or None) if customer is not None else None


def _level_value(level: DiscountLevel | None) -> int:
    return level.value if level is not None else 0
