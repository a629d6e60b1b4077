"""The words of each email, shaped as one structure the layout renders: subject, preheader, greeting,
paragraphs, details (label/value rows) and a call to action. The texts come from the gettext catalogue
the shopper pages use too (kohort.kit.i18n), in French and US English.

Money is formatted with Babel for the recipient's locale, durations with units in that language (the
original wrote French units even for English readers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kohort.kit import formatting as fmt
from kohort.kit.i18n import translator

KINDS = ("group_created", "group_joined", "level_unlocked", "reminder", "group_completed", "cashback_available",
         "cashback_sent", "group_expired", "webhook_endpoint_disabled")


@dataclass
class EmailContent:
    subject: str
    heading: str
    paragraphs: list[str]
    cta_label: str | None = None
    cta_url: str | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    greeting: str | None = None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def duration(seconds: int, locale: str) -> str:
    """`3 jours et 4 heures` / `3 days and 4 hours`; minutes under an hour."""
    tr = translator(fmt.page_locale(locale))
    days, rest = divmod(max(0, seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(tr.ngettext("{count} day", "{count} days", days))
    if hours:
        parts.append(tr.ngettext("{count} hour", "{count} hours", hours))
    if not days and (minutes or not parts):
        parts.append(tr.ngettext("{count} minute", "{count} minutes", minutes))
    # At most two parts: days and hours, or hours and minutes.
    return tr.gettext("{first} and {second}", first=parts[0], second=parts[1]) if len(parts) == 2 else parts[0]


@functools.lru_cache(maxsize=4096)
def _money(cents: int, locale: str) -> str:
    # Babel builds the amount anew at each call, a sixth of an email's rendering; amounts repeat.
    return fmt.money(cents, locale)


def _level(context: dict[str, Any], value: int | None, locale: str) -> str:
    if value is None:
        return ""
    if context.get("discount_type") == "AMOUNT":
        return fmt.money(value * 100, locale)
    return fmt.percent(value, locale)


def build(kind: str, locale: str, context: dict[str, Any]) -> EmailContent:
    """The content of email `kind` for a recipient reading `locale`."""
    tr = translator(fmt.page_locale(locale))
    _ = tr.gettext

    def money(cents: Any) -> str:  # the context's amounts, as the JSON job payload carried them
        return _money(int(cents), locale)

    shop = context["brand"]["name"]
    first_name = context.get("first_name")
    greeting = _("Hi {first_name},", first_name=first_name) if first_name else _("Hi,")
    group = context.get("group") or {}
    code = group.get("share_id", "")
    group_url = group.get("url")
    owner = group.get("owner_name") or _("your friend")
    max_level = _level(context, context.get("max_level_value"), locale)
    ends = _moment(group.get("expires_at"))
    ends_text = fmt.date_time(ends, locale) if ends else ""
    order = context.get("order") or {}
    order_date = _moment(order.get("created_at"))
    order_details = []
    if order:
        order_details = [
            (_("Order"), money(order["amount"])),
            (_("Date"), fmt.date(order_date, locale) if order_date else ""),
        ]
    invite = _("Invite friends")
    view = _("View the kohort")
    next_level = context.get("next_level")  # {"friends": n, "value": v} or None
    next_line = None
    if next_level:
        next_line = tr.ngettext("{count} more friend to reach {value} cashback.",
                                "{count} more friends to reach {value} cashback.", next_level["friends"],
                                value=_level(context, next_level["value"], locale))

    if kind == "group_created":
        first_level = _level(context, context.get("first_level_value"), locale)
        return EmailContent(
            subject=_("Earn cashback on your {shop} purchase 🔥", shop=shop),
            heading=_("Up to {max_level} cashback at {shop}", max_level=max_level, shop=shop),
            greeting=greeting,
            paragraphs=[
                _("Your order created your kohort. Share your code {code}: as soon as one friend orders with it "
                  "before {ends}, you both unlock {first_level} cashback, and more with every friend.",
                  code=code, ends=ends_text, first_level=first_level),
                _("Your friends can share the code too. When the kohort ends, everyone receives their cashback."),
            ],
            details=[(_("Code"), code), *order_details],
            cta_label=invite, cta_url=group_url,
        )
    if kind == "group_joined":
        cashback = money(context["cashback"])
        return EmailContent(
            subject=_("You already unlocked {cashback} cashback", cashback=cashback),
            heading=_("Welcome to {owner}'s kohort", owner=owner),
            greeting=greeting,
            paragraphs=[
                _("Thanks to {owner}'s code, your order at {shop} already earns {cashback} cashback.",
                  owner=owner, shop=shop, cashback=cashback),
                _("Share the same code {code} with your friends: the more you are, the more everyone earns.",
                  code=code),
                *([next_line] if next_line else []),
            ],
            details=[(_("Code"), code), *order_details],
            cta_label=invite, cta_url=group_url,
        )
    if kind == "level_unlocked":
        level = _level(context, context.get("level_value"), locale)
        member = context.get("new_member_name") or _("a friend")
        return EmailContent(
            subject=_("A new cashback level is unlocked 🎯"),
            heading=_("Everyone now earns {level}", level=level),
            greeting=greeting,
            paragraphs=[
                _("Thanks to {member}, {owner}'s kohort at {shop} reached a new level: everyone now earns {level} "
                  "cashback.", member=member, owner=owner, shop=shop, level=level),
                *([next_line] if next_line else []),
            ],
            details=[(_("Code"), code)],
            cta_label=view, cta_url=group_url,
        )
    if kind == "reminder":
        last = context.get("stage") == "last"
        participants = int(context.get("participant_count", 1))
        left = duration(int(context.get("seconds_left", 0)), locale)
        if participants > 1:
            subject = _("{participants} people in your kohort: keep going 🚀", participants=participants)
        elif last:
            subject = _("Final moments to claim your cashback ⏳")
        else:
            subject = _("Still no cashback for you? 😮")
        first_level = _level(context, context.get("first_level_value"), locale)
        return EmailContent(
            subject=subject,
            heading=_("{left} left to share your code", left=left),
            greeting=greeting,
            paragraphs=[
                _("After your order at {shop} you can unlock up to {max_level} cashback. Your kohort ends on {ends}.",
                  shop=shop, max_level=max_level, ends=ends_text),
                next_line or _("One friend ordering with your code {code} unlocks {first_level} for both of you.",
                               code=code, first_level=first_level),
            ],
            details=[(_("Code"), code), (_("Participants"), str(participants))],
            cta_label=_("Share my code now"), cta_url=group_url,
        )
    if kind == "group_completed":
        cashback = money(context["cashback"])
        available = _moment(context.get("available_at"))
        available_text = fmt.date(available, locale) if available else ""
        return EmailContent(
            subject=_("Your kohort is complete: {cashback} of cashback is coming 🎉", cashback=cashback),
            heading=_("{cashback} of cashback from {date}", cashback=cashback, date=available_text),
            greeting=greeting,
            paragraphs=[
                _("{owner}'s kohort at {shop} is complete: your order earns {cashback} cashback.",
                  owner=owner, shop=shop, cashback=cashback),
                _("Your cashback will be available on {date}, once the return period is over. We will email you "
                  "then with the link to withdraw it.", date=available_text),
            ],
            details=order_details,
            cta_label=view, cta_url=group_url,
        )
    if kind == "cashback_available":
        cashback = money(context["cashback"])
        return EmailContent(
            subject=_("One last step before your cashback 💸"),
            heading=_("{cashback} of cashback for you", cashback=cashback),
            greeting=greeting,
            paragraphs=[
                *([_("Your previous transfer could not be made. Please enter your IBAN again.")]
                  if context.get("retry") else []),
                _("Your order at {shop} unlocked {earned} cashback, of which {netted} paid back what you owed "
                  "{shop} after a refund. Enter your IBAN so we can send you the remaining {cashback} by bank "
                  "transfer; it arrives within a few days.", shop=shop, cashback=cashback,
                  earned=money(context["cashback"] + context["netted"]), netted=money(context["netted"]))
                if context.get("netted") else
                _("Your order at {shop} unlocked {cashback} cashback. Enter your IBAN so we can send it by bank "
                  "transfer; it arrives within a few days.", shop=shop, cashback=cashback),
                _("This link is personal and works once."),
            ],
            details=order_details,
            cta_label=_("Withdraw my cashback"),
            cta_url=context["withdrawal_url"],
        )
    if kind == "cashback_sent":
        cashback = money(context["cashback"])
        return EmailContent(
            subject=_("Your cashback is on its way 😎"),
            heading=_("{cashback} sent to your account", cashback=cashback),
            greeting=greeting,
            paragraphs=[
                _("The transfer of your cashback from {shop} to {iban} was executed; it will appear on your account "
                  "within a few days.", shop=shop, iban=context.get("iban_masked", "")),
                _("Order again at {shop} to start a new kohort.", shop=shop),
            ],
            details=order_details,
            cta_label=view, cta_url=group_url,
        )
    if kind == "webhook_endpoint_disabled":  # to the merchant, not a shopper
        endpoint = context["endpoint"]
        since = _moment(endpoint.get("failing_since"))
        return EmailContent(
            subject=_("Your webhook endpoint was disabled"),
            heading=_("Events no longer go to {url}", url=endpoint["url"]),
            paragraphs=[
                _("Every delivery to this endpoint has failed since {since}, so it was disabled after 5 days.",
                  since=fmt.date_time(since, locale) if since else ""),
                _("Events are still recorded. Once the endpoint answers again, enable it (PATCH "
                  "/webhook-endpoints/:id with disabled set to false) and replay what it missed with POST "
                  "/events/:id/resend."),
            ],
            details=[(_("Endpoint"), endpoint["id"])],
        )
    if kind == "group_expired":
        return EmailContent(
            subject=_("Your referral period has ended, maybe next time 😭"),
            heading=_("No cashback this time"),
            greeting=greeting,
            paragraphs=[
                _("No friend ordered with your code before the end of your kohort, so there is no cashback."),
                _("Order again at {shop} to start a new kohort and invite your friends.", shop=shop),
            ],
            details=order_details,
            cta_label=view, cta_url=group_url,
        )
    raise ValueError(f"unknown email kind {kind!r}")
