"""The dashboard's routes: thin, each one a service call and a template. HTML only, out of the OpenAPI
schema. A refusal (not signed in, another organization's object, a role or CSRF check) is a page, never
the API's JSON."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand import service as brand_service
from kohort.brand.domain import Brand
from kohort.brand.schemas import BrandSettingsUpdate
from kohort.brand.service import DEFAULT_COLOR
from kohort.customer import service as customer_service
from kohort.dashboard import forms, pages, static, views
from kohort.dashboard.access import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    acting,
    check_login_csrf,
    form_field,
    visit,
)
from kohort.dashboard.pages import Visit
from kohort.db import unit_of_work
from kohort.errors import KohortError, NotFound, PermissionDenied
from kohort.kit import formatting as fmt
from kohort.kit.i18n import translator
from kohort.models import ApiKeyKind
from kohort.order.domain import OrderStatus
from kohort.organization import service as organization_service
from kohort.organization.ladder import Ladder
from kohort.organization.schemas import ApiKeyCreate, ApiKeyRoll
from kohort.payout import batch_file
from kohort.payout import service as payout_service
from kohort.payout.schemas import PayoutSettingsUpdate
from kohort.referral_group import service as group_service
from kohort.referral_group import settlement
from kohort.referral_group.domain import GroupStatus
from kohort.reporting import service as reporting_service
from kohort.runtime import get_runtime
from kohort.shopper import endpoints as shopper_endpoints
from kohort.shopper import views as shopper_views
from kohort.user import service as user_service
from kohort.user.domain import SESSION_LIFETIME, Role
from kohort.webhook import service as webhook_service
from kohort.webhook.schemas import WebhookEndpointCreate
from kohort.webhook.signing import SECRET_PREFIX as SIGNING_SECRET_PREFIX
from kohort.withdrawal import service as withdrawal_service

LOGIN_PATH = "/dashboard/login"


def _request_locale(request: Request) -> str:
    """The signed-in user's language, else the browser's."""
    known = getattr(request.state, "dashboard_locale", None)
    return str(known) if known else fmt.locale_from_accept_language(request.headers.get("accept-language"))


def error_page(request: Request, error: KohortError) -> Response:
    context = {**pages.formatters(_request_locale(request)), "status": error.status_code, "message": error.message,
               "not_found": isinstance(error, NotFound)}
    return pages.html("error.html", context, status_code=error.status_code)


class DashboardRoute(APIRoute):
    """Turns the dashboard's refusals into pages: the login form when signed out, else an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.headers.get("hx-request"):
                    return Response(status_code=204, headers={"HX-Redirect": LOGIN_PATH})
                return RedirectResponse(LOGIN_PATH, status_code=303)
            except ShownAgain as refused:
                return refused.response
            except KohortError as error:
                return error_page(request, error)

        return route


router = APIRouter(prefix="/dashboard", include_in_schema=False, route_class=DashboardRoute)

ResultT = TypeVar("ResultT")


class ShownAgain(Exception):
    """An action the service refused: its page again, with the service's message (and its status)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


@dataclass(frozen=True, slots=True)
class Screen:
    """A page an action answers with: its template, its navigation section, and how its context is gathered."""

    template: str
    section: str
    gather: Callable[[AsyncConnection, Visit], Awaitable[dict[str, Any]]]

    async def render(self, request: Request, current: Visit, *, status_code: int = 200, **shown: Any) -> Response:
        """The page as it is now, with what the action has to say (an error, a secret shown once)."""
        async with unit_of_work(request) as connection:
            context = await self.gather(connection, current)
        return pages.page(current, self.template, {**context, **shown}, section=self.section,
                          status_code=status_code)


async def _act(request: Request, current: Visit, screen: Screen,
               action: Callable[[AsyncConnection], Awaitable[ResultT]]) -> ResultT:
    """An action's service call in its own transaction; a refusal shows `screen` again with the message."""
    try:
        async with unit_of_work(request) as connection:
            return await action(connection)
    except KohortError as error:
        raise ShownAgain(await screen.render(request, current, error=error.message,
                                             status_code=error.status_code)) from error


async def _developers(connection: AsyncConnection, current: Visit) -> dict[str, Any]:
    return await views.developers_page(connection, current.tenant, with_keys=current.may(Role.OWNER))


async def _payouts(connection: AsyncConnection, current: Visit) -> dict[str, Any]:
    return await views.payouts_page(connection, current.tenant, page=1)


DEVELOPERS = Screen("developers.html", "developers", _developers)
PAYOUTS = Screen("payouts.html", "payouts", _payouts)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/static/{name}")
async def static_file(name: str, v: str = "") -> Response:
    found = static.files().get(name)
    if found is None:
        raise NotFound("Page not found.")
    path, digest = found
    cache = static.IMMUTABLE if v == digest else "no-cache"
    return FileResponse(path, media_type=static.MEDIA_TYPES[path.suffix],
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


@router.get("")
@router.get("/")
async def root() -> Response:
    return RedirectResponse("/dashboard/live/", status_code=303)


def _login_form(request: Request, *, error: str | None = None, email: str = "", status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    context = {**pages.formatters(_request_locale(request)), "csrf_token": token, "error": error, "email": email}
    response = pages.html("login.html", context, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path=LOGIN_PATH, httponly=True, samesite="lax",
                        secure=_secure(request))
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_form(request)


@router.post("/login", dependencies=[Depends(check_login_csrf)])
async def log_in(request: Request) -> Response:
    email = await form_field(request, "email", limit=255)
    password = await form_field(request, "password", limit=2000)
    try:
        started = await user_service.log_in(get_runtime(request).database, email=email, password=password)
    except user_service.LoginRefused:
        message = translator(_request_locale(request)).gettext(
            "Wrong email or password, or too many attempts. Try again later.")
        return _login_form(request, error=message, email=email, status_code=401)
    response = RedirectResponse("/dashboard/live/", status_code=303)
    response.set_cookie(SESSION_COOKIE, started.token, max_age=int(SESSION_LIFETIME.total_seconds()),
                        path="/dashboard", httponly=True, samesite="lax", secure=_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/{mode}/logout")
async def log_out(request: Request, current: Visit = Depends(acting(Role.VIEWER))) -> Response:
    async with unit_of_work(request) as connection:
        await user_service.log_out(connection, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/dashboard")
    return response


@router.get("/{mode}/")
async def home(request: Request, current: Visit = Depends(visit)) -> Response:
    """The period's figures (the last 30 days unless `from`/`to` say otherwise) and their charts."""
    today = get_runtime(request).clock.now().date()
    period = views.period_from(request.query_params, today=today)
    async with unit_of_work(request) as connection:
        figures = await reporting_service.figures(connection, current.tenant, period)
    return pages.page(current, "home.html", views.home_context(figures, current.locale), section="home")


@router.get("/{mode}/orders")
async def orders(request: Request, current: Visit = Depends(visit)) -> Response:
    filters = views.Filters.read(request.query_params, frozenset(OrderStatus))
    async with unit_of_work(request) as connection:
        context = await views.orders_page(connection, current.tenant, filters)
    return pages.page(current, "orders.html", context, section="orders")


@router.get("/{mode}/orders/{order_id}")
async def order(order_id: str, request: Request, current: Visit = Depends(visit)) -> Response:
    async with unit_of_work(request) as connection:
        context = await views.order_detail(connection, current.tenant, order_id, current.locale)
    return pages.page(current, "order.html", context, section="orders")


@router.get("/{mode}/groups")
async def groups(request: Request, current: Visit = Depends(visit)) -> Response:
    filters = views.Filters.read(request.query_params, frozenset(GroupStatus))
    async with unit_of_work(request) as connection:
        context = await views.groups_page(connection, current.tenant, filters)
    return pages.page(current, "groups.html", context, section="groups")


@router.get("/{mode}/groups/{reference}")
async def group(reference: str, request: Request, current: Visit = Depends(visit)) -> Response:
    async with unit_of_work(request) as connection:
        context = await views.group_detail(connection, current.tenant, reference, current.locale,
                                           get_runtime(request).clock.now())
    return pages.page(current, "group.html", context, section="groups")


@router.post("/{mode}/groups/{reference}/{action}")
async def group_action(reference: str, action: str, request: Request,
                       current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    """Cancel (open, alone), expire (past its end, alone), or end now and settle (test mode only)."""
    runtime = get_runtime(request)
    async with unit_of_work(request) as connection:
        if action == "cancel":
            changed = await group_service.cancel_group(connection, current.tenant, current.actor, reference)
        elif action == "expire":
            changed = await group_service.expire_group(connection, current.tenant, current.actor, reference)
        elif action == "end" and not current.tenant.livemode:
            changed = await settlement.end_group_now(connection, current.tenant, reference, now=runtime.clock.now())
        else:
            raise NotFound("Page not found.")
    return RedirectResponse(current.path(f"groups/{changed.id}"), status_code=303)


@router.get("/{mode}/customers")
async def customers(request: Request, current: Visit = Depends(visit)) -> Response:
    filters = views.Filters.read(request.query_params, frozenset())
    async with unit_of_work(request) as connection:
        context = await views.customers_page(connection, current.tenant, filters)
    return pages.page(current, "customers.html", context, section="customers")


@router.get("/{mode}/customers/{customer_id}")
async def customer(customer_id: str, request: Request, current: Visit = Depends(visit)) -> Response:
    async with unit_of_work(request) as connection:
        context = await views.customer_detail(connection, current.tenant, customer_id)
    return pages.page(current, "customer.html", context, section="customers")


@router.post("/{mode}/customers/{customer_id}/{action}")
async def customer_action(customer_id: str, action: str, request: Request,
                          current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    if action not in ("block", "unblock"):
        raise NotFound("Page not found.")
    async with unit_of_work(request) as connection:
        await customer_service.set_blocked(connection, current.tenant, current.actor, customer_id,
                                           blocked=action == "block")
    return RedirectResponse(current.path(f"customers/{customer_id}"), status_code=303)


async def _settings_page(request: Request, current: Visit, *, form: Any = None, brand_form: Any = None,
                         error: str | None = None, brand_error: str | None = None, saved: str = "",
                         status_code: int = 200) -> Response:
    runtime = get_runtime(request)
    async with unit_of_work(request) as connection:
        settings = await organization_service.get_group_settings(connection, current.tenant)
        preview = await reporting_service.cost_preview(
            connection, current.tenant, Ladder(settings.discount_type, settings.discount_levels),
            today=runtime.clock.now().date(), max_participants=settings.max_participants)
        brand = await brand_service.get_brand_settings(connection, current.tenant)
    brand_form = brand_form or views.brand_form(brand)
    context = {"settings": settings, "preview": views.preview_context(preview, current.locale), "error": error,
               "saved": saved, "form": form or views.settings_form(settings), "brand_error": brand_error,
               "brand_form": brand_form, "brand_preview_query": views.brand_preview_query(brand_form)}
    return pages.page(current, "settings.html", context, section="settings", status_code=status_code)


@router.get("/{mode}/settings")
async def settings_page(request: Request, current: Visit = Depends(visit)) -> Response:
    saved = request.query_params.get("saved", "")
    return await _settings_page(request, current, saved=saved if saved in ("1", "brand") else "")


@router.post("/{mode}/settings/ladder")
async def save_ladder(request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    form = await request.form()
    try:
        changes = forms.ladder_update(form)
        async with unit_of_work(request) as connection:
            await organization_service.update_group_settings(connection, current.tenant, changes=changes)
    except KohortError as error:
        return await _settings_page(request, current, form=views.posted_form(form), error=error.message,
                                    status_code=400)
    return RedirectResponse(current.path("settings?saved=1"), status_code=303)


@router.post("/{mode}/settings/preview")
async def ladder_preview(request: Request, current: Visit = Depends(acting(Role.VIEWER))) -> Response:
    """The cost preview of the ladder being edited (htmx, as the fields change); nothing is saved."""
    runtime = get_runtime(request)
    try:
        changes = forms.ladder_update(await request.form())
        async with unit_of_work(request) as connection:
            settings = await organization_service.get_group_settings(connection, current.tenant)
            ladder = organization_service.proposed_ladder(settings, changes)
            preview = await reporting_service.cost_preview(
                connection, current.tenant, ladder, today=runtime.clock.now().date(),
                max_participants=changes.max_participants or settings.max_participants)
    except KohortError as error:
        return pages.html("preview.html", {**pages.formatters(current.locale), "preview_error": error.message})
    return pages.html("preview.html", {**pages.formatters(current.locale), "preview_error": None,
                                       "preview": views.preview_context(preview, current.locale)})


@router.post("/{mode}/settings/brand")
async def save_brand(request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    """How the shoppers' pages and emails look, as `PATCH /brand-settings` sets it (blank: back to the default)."""
    posted = views.posted_brand_form(await request.form())
    try:
        changes = forms.validated(BrandSettingsUpdate, views.brand_body(posted, with_contact=True))
        async with unit_of_work(request) as connection:
            await brand_service.update_brand_settings(connection, current.tenant, current.actor, changes=changes)
    except KohortError as error:
        return await _settings_page(request, current, brand_form=posted, brand_error=error.message,
                                    status_code=error.status_code)
    return RedirectResponse(current.path("settings?saved=brand"), status_code=303)


# The preview is framed by the settings page, and by nothing else.
PREVIEW_HEADERS = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'"}


@router.get("/{mode}/settings/brand/preview")
async def brand_preview(request: Request, current: Visit = Depends(visit)) -> Response:
    """The shopper's group page (the mode's newest group, or a new one as the settings would open it) dressed
    with the brand typed in the query, not saved: a GET that changes nothing, for the settings page's frame."""
    posted = views.posted_brand_form(request.query_params)
    runtime = get_runtime(request)
    try:
        changes = forms.validated(BrandSettingsUpdate, views.brand_body(posted, with_contact=False))
    except KohortError as error:
        context = {**pages.formatters(current.locale), "status": error.status_code, "message": error.message,
                   "not_found": False}
        return pages.html("error.html", context, status_code=error.status_code, headers=PREVIEW_HEADERS)
    async with unit_of_work(request) as connection:
        group = await views.newest_group(connection, current.tenant)
        if group is None:
            settings = await organization_service.get_group_settings(connection, current.tenant)
            group = shopper_views.sample_group(settings, runtime.clock.now())
        brand = Brand(name=(changes.display_name or "").strip() or current.organization_name, logo_url=changes.logo_url,
                      color=changes.color or DEFAULT_COLOR, website_url=changes.website_url,
                      livemode=current.tenant.livemode)
        page = await shopper_views.page_of_group(connection, group, locale=fmt.page_locale(current.locale),
                                                 public_url=runtime.settings.public_url, invite_mode=False,
                                                 brand=brand)
    response = shopper_endpoints.html("group.html", page.context)
    response.headers.update(PREVIEW_HEADERS)
    return response


@router.get("/{mode}/payouts")
async def payouts(request: Request, current: Visit = Depends(visit)) -> Response:
    async with unit_of_work(request) as connection:
        context = await views.payouts_page(connection, current.tenant, views.Filters.read(request.query_params,
                                                                                          frozenset()).page)
    return pages.page(current, "payouts.html", context, section="payouts")


@router.post("/{mode}/payouts/batches")
async def create_payout_batch(request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    """Every pending payout into a new SEPA file, as `POST /payout-batches` does (unpayable ones set aside first,
    in their own transaction, so that they stay set aside even when nothing is left to pay)."""
    runtime = get_runtime(request)
    async with unit_of_work(request) as connection:
        await payout_service.set_aside_unpayable(connection, current.tenant, runtime.cipher)
    async with unit_of_work(request) as connection:
        created = await payout_service.create_batch(connection, current.tenant, runtime.cipher, runtime.payout_provider,
                                                    execution_days=runtime.settings.payout_execution_days)
    return RedirectResponse(current.path(f"payouts?batch={created.batch.id}"), status_code=303)


@router.get("/{mode}/payouts/batches/{batch_id}/pain.001.xml")
async def download_batch(batch_id: str, request: Request, current: Visit = Depends(visit)) -> Response:
    async with unit_of_work(request) as connection:
        found = await payout_service.get_batch_file(connection, current.tenant, get_runtime(request).cipher, batch_id)
    headers = {**pages.HEADERS, "Content-Disposition": f'attachment; filename="{found.filename}"'}
    if found.ibans_masked:
        headers["Kohort-Document"] = batch_file.MASKED_HEADER_VALUE
    return Response(found.content.encode(), media_type="application/xml", headers=headers)


@router.post("/{mode}/payouts/batches/{batch_id}/confirm")
async def confirm_batch(batch_id: str, request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    async with unit_of_work(request) as connection:
        await withdrawal_service.confirm_batch(connection, current.tenant, get_runtime(request).cipher, batch_id)
    return RedirectResponse(current.path("payouts"), status_code=303)


@router.post("/{mode}/payouts/{payout_id}/fail")
async def fail_payout(payout_id: str, request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    reason = (await form_field(request, "reason", limit=200)).strip() or "Failed by the merchant"
    async with unit_of_work(request) as connection:
        await withdrawal_service.fail_payout(connection, current.tenant, payout_id, reason=reason)
    return RedirectResponse(current.path("payouts"), status_code=303)


@router.post("/{mode}/payouts/settings")
async def save_payout_settings(request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    form = await request.form()
    body = {"debtorName": views.posted_form(form, limit=70).get("debtor_name", ""),
            "iban": views.posted_form(form, limit=50).get("iban", ""),
            "bic": views.posted_form(form, limit=11).get("bic") or None}

    async def save(connection: AsyncConnection) -> None:
        changes = forms.validated(PayoutSettingsUpdate, body)
        await payout_service.update_payout_settings(connection, current.tenant, changes=changes)

    await _act(request, current, PAYOUTS, save)
    return RedirectResponse(current.path("payouts"), status_code=303)


@router.get("/{mode}/developers")
async def developers(request: Request, current: Visit = Depends(visit)) -> Response:
    """With the key a create or roll just issued, or a new endpoint's signing secret, on this one GET after its
    redirect (a refresh shows it no more)."""
    async with unit_of_work(request) as connection:
        shown_once = await user_service.take_flash(connection, request.cookies.get(SESSION_COOKIE, ""))
    # Both are kept in the same flash; a signing secret is told apart by its prefix.
    is_secret = shown_once is not None and shown_once.startswith(SIGNING_SECRET_PREFIX)
    return await DEVELOPERS.render(request, current, revoked=request.query_params.get("revoked") == "1",
                                   new_key=None if is_secret else shown_once,
                                   new_secret=shown_once if is_secret else None)


@router.post("/{mode}/developers/webhooks")
async def create_webhook(request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    """A new endpoint for every event; its signing secret is shown once, on the page the redirect leads to (kept
    in the session's flash with the endpoint, so a refresh neither shows it again nor creates another endpoint)."""
    body = {"url": await form_field(request, "url", limit=2048),
            "description": (await form_field(request, "description", limit=500)) or None}

    async def create(connection: AsyncConnection) -> webhook_service.EndpointWithSecret:
        data = forms.validated(WebhookEndpointCreate, body)
        created = await webhook_service.create_endpoint(connection, current.tenant, get_runtime(request).cipher, data)
        await user_service.put_flash(connection, request.cookies.get(SESSION_COOKIE, ""), created.secret)
        return created

    await _act(request, current, DEVELOPERS, create)
    return RedirectResponse(current.path("developers"), status_code=303)


@router.post("/{mode}/developers/keys")
async def create_api_key(request: Request, current: Visit = Depends(acting(Role.OWNER))) -> Response:
    """A new key of this mode, as `POST /api-keys`; the key itself is on the page the redirect leads to, and
    never again: kept in the session's flash, in the same transaction as the key, so a refresh creates nothing."""
    body = {"kind": await form_field(request, "kind", limit=20)}

    async def create(connection: AsyncConnection) -> organization_service.IssuedKey:
        data = forms.validated(ApiKeyCreate, body)
        issued = await organization_service.create_key(connection, current.tenant, current.actor,
                                                       kind=ApiKeyKind(data.kind))
        await user_service.put_flash(connection, request.cookies.get(SESSION_COOKIE, ""), issued.secret)
        return issued

    await _act(request, current, DEVELOPERS, create)
    return RedirectResponse(current.path("developers"), status_code=303)


@router.post("/{mode}/developers/keys/{key_id}/roll")
async def roll_api_key(key_id: str, request: Request, current: Visit = Depends(acting(Role.OWNER))) -> Response:
    """A replacement key, as `POST /api-keys/{id}/roll`; the rolled one keeps working for the chosen grace."""
    raw = await form_field(request, "grace_period_seconds", limit=10)
    body = {"gracePeriodSeconds": int(raw) if raw.isdigit() else raw}

    async def roll(connection: AsyncConnection) -> organization_service.IssuedKey:
        data = forms.validated(ApiKeyRoll, body)
        issued = await organization_service.roll_key(connection, current.tenant, current.actor, key_id,
                                                     grace=timedelta(seconds=data.grace_period_seconds))
        await user_service.put_flash(connection, request.cookies.get(SESSION_COOKIE, ""), issued.secret)
        return issued

    await _act(request, current, DEVELOPERS, roll)
    return RedirectResponse(current.path("developers"), status_code=303)


@router.get("/{mode}/developers/keys/{key_id}/revoke")
async def confirm_revoke(key_id: str, request: Request, current: Visit = Depends(visit)) -> Response:
    """The confirmation step before a revocation (a page, so that it holds without JavaScript)."""
    if not current.may(Role.OWNER):
        raise PermissionDenied("Your role does not allow this.", code="ROLE_REFUSED")
    async with unit_of_work(request) as connection:
        key = await organization_service.get_key(connection, current.tenant, key_id)
    return pages.page(current, "revoke_key.html", {"key": key}, section="developers")


@router.post("/{mode}/developers/keys/{key_id}/revoke")
async def revoke_api_key(key_id: str, request: Request, current: Visit = Depends(acting(Role.OWNER))) -> Response:
    """As `POST /api-keys/{id}/revoke`: refused from the next request on; never the mode's last secret key."""
    await _act(request, current, DEVELOPERS, lambda connection: organization_service.revoke_key(
        connection, current.tenant, current.actor, key_id, keep_a_secret_key=True))
    return RedirectResponse(current.path("developers?revoked=1"), status_code=303)


@router.post("/{mode}/developers/events/{event_id}/resend")
async def resend_event(event_id: str, request: Request, current: Visit = Depends(acting(Role.ADMIN))) -> Response:
    async with unit_of_work(request) as connection:
        await webhook_service.resend_event(connection, current.tenant, event_id, endpoint_id=None)
    return RedirectResponse(current.path("developers"), status_code=303)
