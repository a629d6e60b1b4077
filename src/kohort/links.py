"""The public links Kohort hands to shoppers (emails, invitations): defined once."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def group_page_url(public_url: str, locale: str, share_id: str, *, invite: bool = False,
                   campaign: str | None = None) -> str:
    """`{public}/{locale}/pg/{code}`, in invite mode for friends, with UTM tags when sent by email."""
    url = f"{public_url.rstrip('/')}/{locale}/pg/{quote(share_id)}"
    query: dict[str, str] = {}
    if invite:
        query["inviteMode"] = "true"
    if campaign:
        query.update({"utm_source": "kohort", "utm_medium": "email", "utm_campaign": campaign,
                      "utm_content": "cta_share_button"})
    return f"{url}?{urlencode(query)}" if query else url


def withdrawal_url(public_url: str, order_id: str, token: str) -> str:
    """`{public}/w/{orderId}?token=…`: the shopper's single-use link to their cashback."""
    return f"{public_url.rstrip('/')}/w/{quote(order_id)}?{urlencode({'token': token})}"


def checkout_session_url(public_url: str, share_id: str) -> str:
    """`{public}/c/{sessionShareId}`: where the original's checkout page was; Magento sends the shopper
    there after placing the order."""
    return f"{public_url.rstrip('/')}/c/{quote(share_id)}"


def with_payment_id(url: str, payment_intent_id: str) -> str:
    """The shop's success URL with `payment_id` added, as the original's checkout page sent Magento back."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'payment_id': payment_intent_id})}"
