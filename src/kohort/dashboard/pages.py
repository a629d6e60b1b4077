"""Rendering dashboard pages: one Jinja2 environment, the user's language, the shared layout's context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kohort.dashboard import static
from kohort.kit import formatting as fmt
from kohort.kit.i18n import N_, translator
from kohort.tenant import Tenant
from kohort.user.domain import Role, SessionUser

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
)
templates.globals["static_url"] = static.url

# Pages are private and change with every action: never cached, never framed, never leaking their URL.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY"}
MODES = {"live": True, "test": False}


@dataclass(frozen=True, slots=True)
class Visit:
    """Who is looking, at which organization's data, in which mode: what every page and action starts from."""

    session: SessionUser
    organization_name: str
    mode: str  # "live" or "test", the URL's segment

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.session.user.organization_id, MODES[self.mode])

    @property
    def actor(self) -> str:
        """Recorded as createdBy/updatedBy by the services."""
        return self.session.user.id

    @property
    def locale(self) -> str:
        return self.session.user.locale

    def may(self, needed: Role) -> bool:
        return self.session.user.may(needed)

    def path(self, rest: str = "") -> str:
        return f"/dashboard/{self.mode}/{rest}"


# Statuses of orders, groups, payouts and batches, as people read them ("finalisé" is the original's word).
STATUS_LABELS = {
    "OPEN": N_("Open"), "COMPLETED": N_("Completed"), "CANCELED": N_("Canceled"), "EXPIRED": N_("Expired"),
    "CREATED": N_("Created"), "CASHBACK_AVAILABLE": N_("Cashback available"),
    "CASHBACK_PROCESSING": N_("Cashback being sent"), "CASHBACK_SENT": N_("Cashback sent"),
    "PENDING": N_("Pending"), "IN_BATCH": N_("In a batch"), "PAID": N_("Paid"), "FAILED": N_("Failed"),
    "REQUIRES_ATTENTION": N_("Needs attention"), "EXPORTED": N_("Exported"), "CONFIRMED": N_("Confirmed"),
}


def formatters(locale: str) -> dict[str, Any]:
    tr = translator(locale)
    return {
        **tr.template_functions(), "locale": locale, "lang": locale[:2],
        "status_label": lambda value: tr.gettext(STATUS_LABELS[value]) if value in STATUS_LABELS else value,
        "percent": lambda value: fmt.percent(int(value), locale),
        "money": lambda cents: fmt.money(int(cents), locale),
        "date": lambda moment: fmt.date(moment, locale) if moment is not None else "—",
        "date_time": lambda moment: fmt.date_time(moment, locale) if moment is not None else "—",
        "number": lambda value: fmt.number(value, locale),
    }


def html(template: str, context: dict[str, Any], *, status_code: int = 200,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    body = templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code, headers={**HEADERS, **(headers or {})},
                        media_type="text/html; charset=utf-8")


def page(visit: Visit, template: str, context: dict[str, Any], *, section: str, status_code: int = 200) -> HTMLResponse:
    """A page in the layout: navigation, mode switch, test banner, the user and their CSRF token."""
    layout = {
        **formatters(visit.locale), "visit": visit, "user": visit.session.user, "mode": visit.mode,
        "livemode": visit.tenant.livemode, "csrf_token": visit.session.csrf_token, "section": section,
        "organization_name": visit.organization_name, "Role": Role,
        "other_mode": "test" if visit.mode == "live" else "live",
    }
    return html(template, {**layout, **context}, status_code=status_code)
