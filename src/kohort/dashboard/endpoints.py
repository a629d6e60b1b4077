"""The dashboard's routes: thin, each one a service call and a template. HTML only, out of the OpenAPI
schema. A refusal (not signed in, another organization's object, a role or CSRF check) is a page, never
the API's JSON."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from kohort.dashboard import pages, static
from kohort.dashboard.dependencies import (
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
from kohort.errors import KohortError, NotFound
from kohort.kit import formatting as fmt
from kohort.kit.i18n import translator
from kohort.runtime import get_runtime
from kohort.user import service as user_service
from kohort.user.domain import SESSION_LIFETIME, Role

LOGIN_PATH = "/dashboard/login"


def _request_locale(request: Request) -> str:
    return fmt.locale_from_accept_language(request.headers.get("accept-language"))


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
            except KohortError as error:
                return error_page(request, error)

        return route


router = APIRouter(prefix="/dashboard", include_in_schema=False, route_class=DashboardRoute)


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
    return pages.page(current, "home.html", {}, section="home")
