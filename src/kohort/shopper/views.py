"""What the shopper pages show, gathered from the services (never SQL) and shaped for the templates.

Personal data stays out: people appear as "First L." and never with an email address or phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import service as brand_service
from kohort.brand.domain import Brand
from kohort.customer import service as customer_service
from kohort.customer.names import display_name
from kohort.kit import clock
from kohort.kit import formatting as fmt
from kohort.kit.i18n import N_, translator
from kohort.links import group_page_url
from kohort.order import service as order_service
from kohort.order.domain import Order
from kohort.organization.domain import GroupSettings
from kohort.referral_group import lifecycle
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import GroupStatus, ReferralGroup, ReminderState

# Withdrawal refusals the page explains in the shopper's language; any other error gets GENERIC_ERROR.
PAGE_ERRORS = {
    "IBAN_REQUIRED": N_("Enter your IBAN."),
    "IBAN_INVALID": N_("The IBAN format is not valid."),
    "IBAN_INVALID_CHECKSUM": N_("This IBAN is not valid: check it for a typo."),
    "IBAN_NOT_SEPA": N_("The account must be in the SEPA zone."),
    "HOLDER_NAME_REQUIRED": N_("Enter the account holder's name."),
    "HOLDER_NAME_INVALID": N_("Write the account holder's name in Latin letters, as your bank does."),
    "PAYOUT_ACCOUNT_MISSING": N_("The merchant has not set up transfers yet. Please try again later."),
}
GENERIC_ERROR = N_("Something went wrong. Please try again later.")
STATUS_LABELS = {
    GroupStatus.OPEN: N_("Open"),
    GroupStatus.COMPLETED: N_("Completed: cashback unlocked"),
    GroupStatus.EXPIRED: N_("Ended without friends: no cashback"),
    GroupStatus.CANCELED: N_("Canceled"),
}


def level_label(discount_type: str, value: int, locale: str) -> str:
    return fmt.money(value * 100, locale) if discount_type == "AMOUNT" else fmt.percent(value, locale)


def remaining(expires_at: datetime, now: datetime) -> int:
    return max(0, int((expires_at - now).total_seconds()))


def countdown_text(seconds: int, locale: str) -> str:
    """`2 j 03:10:05` / `2 d 03:10:05`: a days unit, unlike the original's 2 000-hour counters."""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock_part = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days} {translator(locale).pgettext('days, abbreviated', 'd')} {clock_part}" if days else clock_part


@dataclass(frozen=True)
class GroupPage:
    context: dict[str, Any]


async def group_page(
    connection: AsyncConnection, share_code: str, *, locale: str, public_url: str, invite_mode: bool
) -> GroupPage:
    """The group page's data; raises GroupNotFound for an unknown code."""
    group = await group_service.find_by_share_code(connection, share_code)
    return await page_of_group(connection, group, locale=locale, public_url=public_url, invite_mode=invite_mode)


def sample_group(settings: GroupSettings, now: datetime) -> ReferralGroup:
    """A group as the merchant's settings would open it now, with nobody in it yet: what the dashboard's brand
    preview shows a merchant that has no group of its own yet."""
    return ReferralGroup(
        id="pg_preview", organization_id=settings.organization_id, livemode=settings.livemode,
        share_id="KHT-PREVIEW", share_key="KHT-PREVIEW", customer_id="cus_preview", creator_email=None,
        status=GroupStatus.OPEN, metadata=None, expires_at=now + timedelta(minutes=settings.minutes_duration),
        mid_expire_at=None, j_minus2_expire_at=None, j_plus3_start_at=None, reminder_email_sent=ReminderState.NOT_SENT,
        canceled_at=None, completed_at=None, participant_count=1, settings_id=settings.id,
        discount_type=settings.discount_type, discount_levels=settings.discount_levels,
        max_participants=settings.max_participants, minutes_duration=settings.minutes_duration,
        min_purchase_value=settings.min_purchase_value, created_at=now, created_by=None, updated_at=now,
        updated_by=None, cashback_hold_days=settings.cashback_hold_days, cashback_available_at=None,
        cashback_released_at=None,
    )


async def page_of_group(
    connection: AsyncConnection, group: ReferralGroup, *, locale: str, public_url: str, invite_mode: bool,
    brand: Brand | None = None,
) -> GroupPage:
    """`group`'s page as its shoppers see it; `brand` instead of the saved one is the dashboard's preview of
    brand settings not saved yet."""
    tenant = group.tenant
    brand = brand or await brand_service.get_brand(connection, tenant)
    # A fully refunded order is no participant any more (issue 10).
    orders = [order for order in await order_service.orders_of_group(connection, tenant, group.id) if order.counts]
    people = await customer_service.get_customers(connection, tenant, {order.customer_id for order in orders} | {group.customer_id})
    tr = translator(locale)
    _ = tr.gettext
    now = clock.now()

    group_ladder = group.ladder
    levels = group_ladder.levels
    count = len(orders)
    reached = group_ladder.reached(count)
    settled = group.status == GroupStatus.COMPLETED
    discount_type = group.discount_type

    def name_of(customer_id: str, order: Order | None = None) -> str:
        person = people.get(customer_id)
        if person is not None and (person.is_deleted or person.is_erased):
            # Deleted or erased: other shoppers see an anonymous participant, not the order's copy of the name.
            return _("Friend")
        name = display_name(person.first_name, person.last_name) if person else None
        if name is None and order is not None:
            name = display_name(order.customer_first_name, order.customer_last_name)
        return name or _("Friend")

    participants = []
    for order in orders:
        if settled and order.amount_cashback is not None:
            cashback = int(order.amount_cashback)
        else:
            cashback = group_ladder.cashback(reached, order.net_amount)
        participants.append({
            "name": name_of(order.customer_id, order),
            "is_owner": order.customer_id == group.customer_id,
            "amount": fmt.money(order.net_amount, locale),
            "cashback": fmt.money(cashback, locale),
        })

    ladder = [{
        "friends": tr.ngettext("{count} friend", "{count} friends", level.friends_to_unlock),
        "value": level_label(discount_type, level.value, locale),
        "current": level == reached,
    } for level in levels]
    next_level = group_ladder.next_level(count)
    max_level = group_ladder.top
    # What a friend unlocks by joining now (the original's "current discount level" for validate).
    joining_level = group_ladder.after_joining(count)

    owner_name = name_of(group.customer_id)
    share_link = group_page_url(public_url, locale, group.share_id, invite=True)
    max_label = level_label(discount_type, max_level.value, locale) if max_level else fmt.percent(0, locale)
    site = brand.website_url or brand.name
    minimum = (_(" (from {amount})", amount=fmt.money(group.min_purchase_value, locale))
               if group.min_purchase_value else "")
    message = _("Hi! Join me at {shop}: with my code {code} we both earn up to {max} cashback. 1) Go to {site} "
                "2) Order with the code {code}{minimum} 3) Get your cashback when the kohort ends. Details: {link}",
                shop=brand.name, code=group.share_id, max=max_label, site=site, minimum=minimum, link=share_link)
    subject = _("Cashback at {shop}", shop=brand.name)
    open_now = lifecycle.is_joinable(group, now)
    seconds_left = remaining(group.expires_at, now) if group.status == GroupStatus.OPEN else 0
    end_moment = group.completed_at or group.canceled_at or group.expires_at

    return GroupPage(context={
        **tr.template_functions(),
        "locale": locale,
        "lang": locale[:2],
        "brand": brand.as_context(),
        "invite_mode": invite_mode,
        "group": {
            "share_id": group.share_id,
            "status": group.status.value,
            "status_label": _(STATUS_LABELS[group.status]),
            "open": open_now,
            "settled": settled,
            "participant_count": count,
            "owner": owner_name,
            "expires_at_iso": group.expires_at.isoformat(),
            "seconds_left": seconds_left,
            "countdown": countdown_text(seconds_left, locale),
            "ends_on": fmt.date_time(group.expires_at, locale),
            "ended_on": fmt.date_time(end_moment, locale),
            "min_purchase": fmt.money(group.min_purchase_value, locale) if group.min_purchase_value else None,
            # Completed, cashback still held (returns may change it): the day it can be withdrawn.
            "available_on": (fmt.date(group.cashback_available_at, locale)
                             if settled and group.cashback_released_at is None and group.cashback_available_at
                             else None),
        },
        "ladder": ladder,
        "next_level": ({"count": next_level.friends_needed,
                        "value": level_label(discount_type, next_level.level.value, locale)} if next_level else None),
        "participants": participants,
        "cashback_kind": _("final") if settled else _("provisional"),
        "joining_value": level_label(discount_type, joining_level.value, locale) if joining_level else None,
        "max_value": max_label,
        "share": {
            "link": share_link,
            "message": message,
            "whatsapp": "https://wa.me/?" + urlencode({"text": message}),
            "email": f"mailto:?subject={quote(subject)}&body={quote(message)}",
            "sms": f"sms:?&body={quote(message)}",
        },
    })
