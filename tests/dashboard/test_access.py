"""Getting into the dashboard: login, sessions, CSRF, throttling, expiry, logout, modes, static files."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.user import service as user_service
from kohort.user.domain import LOGIN_WINDOW, MAX_LOGIN_FAILURES, SESSION_LIFETIME
from tests.factories.dashboard import PASSWORD, create_user, csrf_token, log_in, signed_in
from tests.factories.merchant import Merchant

GENERIC = "Wrong email or password, or too many attempts. Try again later."


async def test_login_opens_a_server_side_session_in_an_httponly_lax_cookie(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    user = await create_user(database, merchant.id)
    response = await log_in(browser, user.email.upper(), PASSWORD)  # addresses match whatever their case
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/live/"
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith("kohort_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    home = await browser.get("/dashboard/live/")
    assert home.status_code == 200
    assert user.email in home.text
    assert home.headers["cache-control"] == "no-store"


async def test_over_https_the_session_cookie_is_secure(dashboard_app: FastAPI, database: Database,
                                                       merchant: Merchant) -> None:
    user = await create_user(database, merchant.id)
    transport = httpx.ASGITransport(app=dashboard_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://kohort.test") as client:
        response = await log_in(client, user.email)
    assert response.status_code == 303
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith("kohort_session="))
    assert "Secure" in cookie


async def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    user = await create_user(database, merchant.id)
    wrong = await log_in(browser, user.email, "not the password at all")
    unknown = await log_in(browser, "nobody-here@shop.example", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert GENERIC in response.text
        assert "kohort_session" not in response.headers.get("set-cookie", "")
    assert (await browser.get("/dashboard/live/")).status_code == 303


async def test_five_failures_lock_the_address_for_fifteen_minutes(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    user = await create_user(database, merchant.id)
    for _ in range(MAX_LOGIN_FAILURES):
        assert (await log_in(browser, user.email, "wrong password here")).status_code == 401
    refused = await log_in(browser, user.email, PASSWORD)  # even the right password, now
    assert refused.status_code == 401
    assert GENERIC in refused.text
    frozen_clock.advance(LOGIN_WINDOW + timedelta(seconds=1))
    assert (await log_in(browser, user.email, PASSWORD)).status_code == 303


async def test_a_success_clears_the_failures(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    user = await create_user(database, merchant.id)
    for _ in range(MAX_LOGIN_FAILURES - 1):
        await log_in(browser, user.email, "wrong password here")
    assert (await log_in(browser, user.email, PASSWORD)).status_code == 303
    for _ in range(MAX_LOGIN_FAILURES - 1):
        await log_in(browser, user.email, "wrong password here")
    assert (await log_in(browser, user.email, PASSWORD)).status_code == 303


async def test_a_login_without_its_csrf_token_is_refused(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    user = await create_user(database, merchant.id)
    form = await browser.get("/dashboard/login")
    token = csrf_token(form.text)
    missing = await browser.post("/dashboard/login", data={"email": user.email, "password": PASSWORD})
    forged = await browser.post("/dashboard/login", data={"csrf_token": "x" * 43, "email": user.email,
                                                          "password": PASSWORD})
    browser.cookies.clear()  # a cross-site form: the right field, but not the browser's cookie
    no_cookie = await browser.post("/dashboard/login", data={"csrf_token": token, "email": user.email,
                                                             "password": PASSWORD})
    for response in (missing, forged, no_cookie):
        assert response.status_code == 403
        assert "kohort_session" not in response.headers.get("set-cookie", "")


async def test_signed_out_pages_send_to_the_login_form(browser: httpx.AsyncClient) -> None:
    for path in ("/dashboard/live/", "/dashboard/test/"):
        response = await browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/dashboard/login"
    htmx = await browser.get("/dashboard/live/", headers={"HX-Request": "true"})
    assert htmx.headers["hx-redirect"] == "/dashboard/login"
    assert (await browser.get("/dashboard")).headers["location"] == "/dashboard/live/"


async def test_logout_ends_the_session_for_good(browser: httpx.AsyncClient, database: Database,
                                                merchant: Merchant) -> None:
    dashboard = await signed_in(browser, database, merchant.id)
    stolen = browser.cookies.get("kohort_session")
    refused = await dashboard.post("/dashboard/test/logout", csrf=False)
    assert refused.status_code == 403  # a cross-site logout is refused too
    response = await dashboard.post("/dashboard/test/logout")
    assert response.status_code == 303
    browser.cookies.set("kohort_session", str(stolen), path="/dashboard")
    assert (await browser.get("/dashboard/test/")).status_code == 303


async def test_a_session_expires(browser: httpx.AsyncClient, database: Database, merchant: Merchant,
                                 frozen_clock: FrozenClock) -> None:
    await signed_in(browser, database, merchant.id)
    frozen_clock.advance(SESSION_LIFETIME - timedelta(minutes=1))
    assert (await browser.get("/dashboard/test/")).status_code == 200
    frozen_clock.advance(timedelta(minutes=2))
    assert (await browser.get("/dashboard/test/")).headers["location"] == "/dashboard/login"


async def test_disabling_a_user_ends_their_sessions_and_their_logins(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id)
    async with database.transaction() as connection:
        await user_service.disable_user(connection, dashboard.user.email)
    assert (await browser.get("/dashboard/test/")).status_code == 303
    assert (await log_in(browser, dashboard.user.email)).status_code == 401


async def test_test_mode_shows_a_banner_and_the_switch(browser: httpx.AsyncClient, database: Database,
                                                       merchant: Merchant) -> None:
    await signed_in(browser, database, merchant.id)
    test = await browser.get("/dashboard/test/")
    live = await browser.get("/dashboard/live/")
    assert 'class="test-banner"' in test.text
    assert 'class="test-banner"' not in live.text
    assert 'role="switch" aria-checked="true"' in test.text
    assert 'href="/dashboard/live/"' in test.text
    assert (await browser.get("/dashboard/staging/")).status_code == 404


async def test_static_files_are_vendored_and_cached(browser: httpx.AsyncClient, database: Database,
                                                    merchant: Merchant) -> None:
    await signed_in(browser, database, merchant.id)
    page = (await browser.get("/dashboard/test/")).text
    for name in ("htmx-2.0.11.min.js", "dashboard.css"):
        start = page.index(f"/dashboard/static/{name}?v=")
        url = page[start:page.index('"', start)]
        response = await browser.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "https://" not in page.replace("https://kohort", "")  # no third-party request
    stale = await browser.get("/dashboard/static/dashboard.css?v=old")
    assert stale.headers["cache-control"] == "no-cache"
    assert (await browser.get("/dashboard/static/htmx-LICENSE.txt")).status_code == 200
    assert (await browser.get("/dashboard/static/..%2Fendpoints.py")).status_code == 404
