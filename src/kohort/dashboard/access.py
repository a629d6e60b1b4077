"""What every dashboard route declares: a signed-in user (else the login page), the mode of the URL, a
valid CSRF token on every form, and the role an action needs. Refusals are exceptions that
`DashboardRoute` turns into pages."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request

from kohort.dashboard.pages import MODES, Visit
from kohort.db import unit_of_work
from kohort.errors import EncryptionKeyRequired, KohortError, NotFound, PermissionDenied
from kohort.organization import service as organization_service
from kohort.user import service as user_service
from kohort.user.domain import Role

SESSION_COOKIE = "kohort_session"
LOGIN_CSRF_COOKIE = "kohort_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(KohortError):
    """No live session: the page sends the browser to the login form."""

    status_code = 401
    default_code = "LOGIN_REQUIRED"


class CsrfRefused(PermissionDenied):
    default_code = "CSRF_TOKEN_INVALID"


async def visit(mode: str, request: Request) -> Visit:
    if mode not in MODES:
        raise NotFound("Page not found.")
    token = request.cookies.get(SESSION_COOKIE, "")
    async with unit_of_work(request) as connection:
        session = await user_service.current_session(connection, token)
        organization = (
            await organization_service.find_organization(connection, session.user.organization_id)
            if session is not None else None
        )
    if session is None or organization is None:
        raise LoginRequired("Please log in.")
    if MODES[mode] and request.app.state.live_mode_refused:
        raise EncryptionKeyRequired()
    request.state.dashboard_locale = session.user.locale  # an error page later in the request speaks it too
    return Visit(session=session, organization_name=organization.name, mode=mode)


async def form_field(request: Request, name: str, *, limit: int = 200) -> str:
    """A text field of the posted form, cut to `limit` characters before anything reads it."""
    value = (await request.form()).get(name)
    return value[:limit] if isinstance(value, str) else ""


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER) or await form_field(request, CSRF_FIELD, limit=100)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("This form has expired: reload the page and try again.")


def acting(needed: Role) -> Callable[..., Awaitable[Visit]]:
    """For a POST: a signed-in user whose role allows `needed`, with the form's CSRF token checked first."""

    async def dependency(request: Request, current: Visit = Depends(visit)) -> Visit:
        await _check_csrf(request, current.session.csrf_token)
        if not current.may(needed):
            raise PermissionDenied("Your role does not allow this.", code="ROLE_REFUSED")
        return current

    return dependency


async def check_login_csrf(request: Request) -> None:
    """The login form has no session yet: its token is a double-submit cookie (a cross-site page can make
    the browser send the cookie, but cannot read it to put the same value in the form)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if len(expected) < 20:
        raise CsrfRefused("This form has expired: reload the page and try again.")
    await _check_csrf(request, expected)
