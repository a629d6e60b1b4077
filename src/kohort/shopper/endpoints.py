"""The shopper pages: `/{locale}/pg/{code}`, `/pg/{code}` (language from Accept-Language) and the
withdrawal page `/w/{orderId}?token=…`. Server-rendered HTML, UTF-8; they call services, never SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kohort.brand.service import DEFAULT_COLOR
from kohort.checkout import service as checkout_service
from kohort.db import unit_of_work
from kohort.errors import KohortError
from kohort.kit import formatting as fmt
from kohort.kit.i18n import translator
from kohort.links import group_page_url, with_payment_id
from kohort.order.domain import payment_intent_id
from kohort.ratelimit.limiter import subjects_of
from kohort.referral_group.service import GroupNotFound
from kohort.runtime import get_runtime
from kohort.shopper import views
from kohort.withdrawal import service as withdrawal_service

router = APIRouter(include_in_schema=False)

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
)

PAGE_LOCALES = {"fr_fr": fmt.FRENCH, "fr": fmt.FRENCH, "en_us": fmt.ENGLISH, "en_gb": fmt.ENGLISH, "en": fmt.ENGLISH}
NEUTRAL_BRAND = {"name": "Kohort", "logo_url": None, "color": DEFAULT_COLOR, "website_url": None, "livemode": True,
                 "website_host": None}
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def html(template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    body = templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code, headers=_HEADERS, media_type="text/html; charset=utf-8")


def not_found(locale: str) -> HTMLResponse:
    return html("not_found.html", {**translator(locale).template_functions(), "locale": locale, "lang": locale[:2],
                                   "brand": NEUTRAL_BRAND}, status_code=404)


async def _group_page(request: Request, locale: str, code: str) -> HTMLResponse:
    invite_mode = request.query_params.get("inviteMode", "").lower() == "true"
    limits = get_runtime(request).limits
    try:
        async with limits.guard(limits.share_code_misses, subjects_of(request), counts=(GroupNotFound,)), \
                unit_of_work(request) as connection:
            page = await views.group_page(connection, code, locale=locale,
                                          public_url=get_runtime(request).settings.public_url, invite_mode=invite_mode)
    except GroupNotFound:
        return not_found(locale)
    return html("invite.html" if invite_mode else "group.html", page.context)


@router.get("/pg/{code}", response_class=HTMLResponse)
async def group_page_negotiated(code: str, request: Request) -> HTMLResponse:
    return await _group_page(request, fmt.locale_from_accept_language(request.headers.get("accept-language")), code)


@router.get("/{locale}/pg/{code}", response_class=HTMLResponse)
async def group_page(locale: str, code: str, request: Request) -> HTMLResponse:
    page_locale = PAGE_LOCALES.get(locale.lower().replace("-", "_"))
    if page_locale is None:
        return not_found(fmt.locale_from_accept_language(request.headers.get("accept-language")))
    return await _group_page(request, page_locale, code)


@router.get("/c/{share_id}")
async def checkout_session_page(share_id: str, request: Request) -> Response:
    """Where the plugins' `url` points (the original's checkout page). Nothing is charged here: the
    shopper goes back to the shop's `successUrl` with `payment_id` (Magento completes its order with it),
    or to their group's page."""
    async with unit_of_work(request) as connection:
        order = await checkout_service.find_by_session_share_id(connection, share_id)
    if order is None:
        return not_found(fmt.locale_from_accept_language(request.headers.get("accept-language")))
    if order.success_url:
        target = with_payment_id(order.success_url, payment_intent_id(order.id))
    else:
        target = group_page_url("", fmt.page_locale(order.locale), order.payment_group_share_id or "")
    return RedirectResponse(target, status_code=303, headers=_HEADERS)


def _withdrawal_context(state: withdrawal_service.WithdrawalState, *, token: str, order_id: str,
                        errors: list[str] | None = None, iban: str = "", holder_name: str | None = None) -> dict[str, Any]:
    order = state.order
    locale = fmt.page_locale(order.locale if order is not None else None)
    context: dict[str, Any] = {
        **translator(locale).template_functions(), "locale": locale, "lang": locale[:2], "state": state.state,
        "brand": state.brand.as_context() if state.brand is not None else NEUTRAL_BRAND,
        "token": token, "action": f"/w/{order_id}", "errors": errors or [], "iban": iban,
        "holder_name": holder_name if holder_name is not None else state.holder_name,
    }
    if order is not None and state.state != "invalid":
        context.update({
            "cashback": fmt.money(int(order.amount_cashback or 0), locale),
            "order_amount": fmt.money(order.amount, locale),
            "order_date": fmt.date(order.created_at, locale),
        })
    if state.payout is not None:
        context["iban_masked"] = state.payout.iban_masked
    if state.state == "processing":
        context["state"] = "sent"  # "your cashback has been sent": the transfer is on its way
    elif state.state == "sent":
        context["state"] = "paid"
    return context


@router.get("/w/{order_id}", response_class=HTMLResponse)
async def withdrawal_page(order_id: str, request: Request) -> HTMLResponse:
    token = request.query_params.get("token", "")
    limits, who = get_runtime(request).limits, subjects_of(request)
    await limits.limiter.check(limits.withdrawal_failures, who)
    async with unit_of_work(request) as connection:
        state = await withdrawal_service.state_for(connection, order_id, token)
    if state.state == "invalid":  # a wrong token or order counts as a failed attempt
        await limits.limiter.spend(limits.withdrawal_failures, who)
    context = _withdrawal_context(state, token=token, order_id=order_id)
    return html("withdrawal.html", context, status_code=404 if state.state == "invalid" else 200)


@router.post("/w/{order_id}", response_class=HTMLResponse)
async def withdrawal_submit(order_id: str, request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token") or "")[:200]
    iban = str(form.get("iban") or "")[:60]
    holder_name = str(form.get("holderName") or "")[:70]
    limits, who = get_runtime(request).limits, subjects_of(request)
    await limits.limiter.check(limits.withdrawal_failures, who)  # outside the try: a 429, not a form error
    try:
        async with unit_of_work(request) as connection:
            await withdrawal_service.withdraw(connection, get_runtime(request).cipher, order_id=order_id, token=token,
                                              iban=iban, holder_name=holder_name)
    except withdrawal_service.InvalidWithdrawal:
        await limits.limiter.spend(limits.withdrawal_failures, who)
        state = withdrawal_service.WithdrawalState(state="invalid")
        return html("withdrawal.html", _withdrawal_context(state, token="", order_id=order_id), status_code=404)
    except withdrawal_service.AlreadyWithdrawn:
        pass  # a double submit: the page below shows the payout already under way
    except KohortError as error:
        async with unit_of_work(request) as connection:
            state = await withdrawal_service.state_for(connection, order_id, token)
        locale = fmt.page_locale(state.order.locale if state.order is not None else None)
        message = translator(locale).gettext(views.PAGE_ERRORS.get(error.code, views.GENERIC_ERROR))
        context = _withdrawal_context(state, token=token, order_id=order_id, errors=[message], iban=iban,
                                      holder_name=holder_name)
        return html("withdrawal.html", context, status_code=400)
    # Post/redirect/get: reloading the success page never resubmits the form.
    return RedirectResponse(f"/w/{order_id}?{urlencode({'token': token})}", status_code=303)
