"""What the dashboard's pages show, gathered from the same services the API calls (never SQL here):
lists with their filters, and each object's detail with its timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand.schemas import BrandSettings
from kohort.brand.service import DEFAULT_COLOR
from kohort.customer import service as customer_service
from kohort.events import service as events_service
from kohort.kit import clock
from kohort.kit import formatting as fmt
from kohort.kit.i18n import N_, translator
from kohort.kit.listing import ListParams
from kohort.ledger import service as ledger_service
from kohort.ledger.domain import PostingKind
from kohort.order import service as order_service
from kohort.order.domain import Order, OrderStatus
from kohort.organization import service as organization_service
from kohort.organization.domain import ApiKey, GroupSettings
from kohort.payout import service as payout_service
from kohort.payout.domain import PayoutStatus
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import GroupStatus, ReferralGroup
from kohort.refund import service as refund_service
from kohort.refund.domain import Refund
from kohort.reporting.domain import Figures, Period
from kohort.reporting.preview import CostPreview
from kohort.tenant import Tenant
from kohort.webhook import service as webhook_service

PAGE_SIZE = 25
MAX_PAGE = 40_000  # the lists' own bound on skip (1 000 000) divided by the page size
# What a search box may hold: the characters of emails, share codes and shop references. Anything else is
# dropped before the term reaches the list syntax, where a comma or a quote would change its meaning.
_UNSAFE = re.compile(r"[^A-Za-z0-9@._+\-]")

POSTING_LABELS = {
    PostingKind.GROUP_SETTLED: N_("Cashback available"),
    PostingKind.CASHBACK_WITHDRAWN: N_("Withdrawal requested"),
    PostingKind.CASHBACK_PAID: N_("Cashback paid"),
    PostingKind.GROUP_SETTLED_REVERSED: N_("Cashback taken back"),
    PostingKind.CASHBACK_WITHDRAWN_REVERSED: N_("Transfer failed: cashback available again"),
    PostingKind.CASHBACK_PAID_REVERSED: N_("Payment reversed"),
    PostingKind.REFUND_ADJUSTED: N_("Cashback and fee adjusted to the refund"),
    PostingKind.REFUND_ADJUSTED_REVERSED: N_("Refund adjustment reversed"),
    PostingKind.RECEIVABLE_NETTED: N_("Cashback owed back deducted"),
    PostingKind.RECEIVABLE_NETTED_REVERSED: N_("Deduction of cashback owed back reversed"),
}
REFUNDS_SHOWN = 100  # an order's refunds on its timeline (each takes money off it: a handful at most)


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of a timeline."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Filters:
    """A list page's filters as typed in the query string, cleaned and bounded."""

    term: str
    status: str
    date_from: date | None
    date_to: date | None
    page: int

    @classmethod
    def read(cls, query: Any, statuses: frozenset[str]) -> Filters:
        status = str(query.get("status", ""))
        return cls(
            term=_UNSAFE.sub("", str(query.get("q", ""))[:200])[:100],
            status=status if status in statuses else "",
            date_from=_day(query.get("from")), date_to=_day(query.get("to")),
            page=_page(query.get("page")),
        )

    def conditions(self, *, text_fields: tuple[str, ...]) -> list[str]:
        """The filters in the lists' search syntax (kohort.kit.listing), each part already safe."""
        parts = []
        if self.term and text_fields:
            parts.append(" OR ".join(f'{field}~"{self.term}"' for field in text_fields))
        if self.status:
            parts.append(f'status:"{self.status}"')
        if self.date_from is not None:
            parts.append(f"createdAt>={_midnight(self.date_from)}")
        if self.date_to is not None:
            parts.append(f"createdAt<{_midnight(self.date_to + timedelta(days=1))}")
        return parts

    def params(self, *, text_fields: tuple[str, ...], extra: tuple[str, ...] = ()) -> ListParams:
        search = ",".join([*extra, *self.conditions(text_fields=text_fields)])
        return ListParams(take=PAGE_SIZE, skip=(self.page - 1) * PAGE_SIZE, order_field="createdAt", descending=True,
                          search=search or None, expand=frozenset())

    def query(self, page: int) -> str:
        """The query string of another page of the same list."""
        values = {"q": self.term, "status": self.status, "from": self.date_from or "", "to": self.date_to or ""}
        return "&".join([*(f"{key}={value}" for key, value in values.items() if value), f"page={page}"])


def _day(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def _page(raw: object) -> int:
    text = str(raw or "1")[:6]
    return min(max(int(text), 1), MAX_PAGE) if text.isdigit() else 1


def _midnight(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=UTC).isoformat().replace("+00:00", "Z")


def pager(filters: Filters, count: int) -> dict[str, Any]:
    pages = max(1, -(-count // PAGE_SIZE))
    return {"count": count, "page": filters.page, "pages": pages,
            "previous": filters.query(filters.page - 1) if filters.page > 1 else None,
            "next": filters.query(filters.page + 1) if filters.page < pages else None}


async def orders_page(connection: AsyncConnection, tenant: Tenant, filters: Filters) -> dict[str, Any]:
    params = filters.params(text_fields=("customerEmail", "paymentGroupShareId", "clientReferenceId"))
    found, count = await order_service.list_orders(connection, tenant, params)
    return {"orders": found, "filters": filters, "statuses": list(OrderStatus), **pager(filters, count)}


async def groups_page(connection: AsyncConnection, tenant: Tenant, filters: Filters) -> dict[str, Any]:
    params = filters.params(text_fields=("shareId", "creatorEmail"))
    found, count = await group_service.list_groups(connection, tenant, params)
    return {"groups": found, "filters": filters, "statuses": list(GroupStatus), **pager(filters, count)}


async def customers_page(connection: AsyncConnection, tenant: Tenant, filters: Filters) -> dict[str, Any]:
    params = filters.params(text_fields=("emailAddress", "lastName", "clientReferenceId"))
    found, count = await customer_service.list_customers(connection, tenant, params)
    return {"customers": found, "filters": filters, **pager(filters, count)}


def _group_moments(group: ReferralGroup, members: list[Order], locale: str) -> list[Moment]:
    """A group's life: opened, each join, each level unlocked, its end."""
    tr = translator(locale)
    moments = [Moment(group.created_at, tr.gettext("Group {code} opened", code=group.share_id))]
    for position, member in enumerate(members, start=1):
        if position > 1:
            moments.append(Moment(member.created_at, tr.gettext("{name} joined", name=_name(member))))
        level = group.ladder.unlocked_at(position)
        if level is not None:
            moments.append(Moment(member.created_at, tr.gettext("Level {level} unlocked", level=level.level)))
    if group.completed_at is not None:
        moments.append(Moment(group.completed_at, tr.gettext("Group completed")))
    if group.canceled_at is not None:
        moments.append(Moment(group.canceled_at, tr.gettext("Group canceled")))
    if group.status == GroupStatus.EXPIRED:
        moments.append(Moment(min(group.expires_at, group.updated_at), tr.gettext("Group expired")))
    return moments


def _name(order: Order) -> str:
    last = (order.customer_last_name or "")[:1]
    return f"{order.customer_first_name or ''} {last}.".strip() if last else (order.customer_first_name or "—")


async def order_detail(connection: AsyncConnection, tenant: Tenant, order_id: str, locale: str) -> dict[str, Any]:
    order = await order_service.get_order(connection, tenant, order_id)
    group = members = None
    moments = [Moment(order.created_at, translator(locale).gettext("Order created"))]
    if order.payment_group_id is not None:
        group = await group_service.get_group(connection, tenant, order.payment_group_id)
        members = await order_service.orders_of_group(connection, tenant, group.id)
        # The group's story up to this order's part in it, then its end.
        moments += [moment for moment in _group_moments(group, members, locale) if moment.at >= order.created_at]
    for posting in await ledger_service.postings_of_order(connection, tenant, order.id):
        moments.append(Moment(posting.created_at, translator(locale).gettext(POSTING_LABELS[posting.kind])))
    newest = ListParams(take=REFUNDS_SHOWN, skip=0, order_field="createdAt", descending=True, search=None,
                        expand=frozenset())
    refunds = (await refund_service.list_refunds(connection, tenant, newest, order_id=order.id))[0]
    moments += [_refund_moment(refund, locale) for refund in refunds]
    payout = await payout_service.latest_payout_for_order(connection, tenant, order.id)
    customer = await customer_service.get_customer(connection, tenant, order.customer_id)
    return {"order": order, "group": group, "members": members or [], "payout": payout, "customer": customer,
            "refunds": refunds, "now": clock.now(), "moments": sorted(moments, key=lambda moment: moment.at)}


def _refund_moment(refund: Refund, locale: str) -> Moment:
    """A refund on the timeline: how much, why, and who asked for it (a user, or an API key)."""
    tr = translator(locale)
    text = tr.gettext("Refund of {amount}", amount=fmt.money(refund.amount, locale))
    if refund.reason:
        text += f" · {refund.reason}"
    if refund.created_by:
        text += " · " + tr.gettext("by {who}", who=refund.created_by)
    return Moment(refund.created_at, text)


async def group_detail(connection: AsyncConnection, tenant: Tenant, reference: str, locale: str,
                       now: datetime) -> dict[str, Any]:
    group = await group_service.get_group(connection, tenant, reference)
    members = await order_service.orders_of_group(connection, tenant, group.id)
    reached = group.ladder.reached(group.participant_count)
    settled = group.status != GroupStatus.OPEN
    # Each participant on what they finally paid: refunds take their part off, and a fully refunded order
    # no longer counts (it earns nothing).
    rows = [{"order": member, "name": _name(member),
             "cashback": member.amount_cashback if settled and member.amount_cashback is not None
             else group.ladder.provisional_cashback(group.participant_count, member.net_amount)} for member in members]
    return {"group": group, "members": rows, "reached": reached, "now": now, "open": group.status == GroupStatus.OPEN,
            "moments": sorted(_group_moments(group, members, locale), key=lambda moment: moment.at)}


async def customer_detail(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> dict[str, Any]:
    customer = await customer_service.get_customer(connection, tenant, customer_id)
    params = ListParams(take=100, skip=0, order_field="createdAt", descending=True,
                        search=f'customerId:"{customer.id}"', expand=frozenset())
    found, count = await order_service.list_orders(connection, tenant, params)
    earned = sum(order.amount_cashback or 0 for order in found if order.status != OrderStatus.CREATED)
    return {"customer": customer, "orders": found, "order_count": count, "earned": earned}


DEFAULT_PERIOD_DAYS = 30


def period_from(query: Any, *, today: date) -> Period:
    last_day = _day(query.get("to")) or today
    first_day = _day(query.get("from")) or last_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return Period.bounded(first_day, last_day)


def home_context(figures: Figures, locale: str) -> dict[str, Any]:
    """The figures as people read them, and the charts' data (drawn by dashboard-charts.js)."""
    tr = translator(locale)
    charts = {
        "orders": {"labels": [fmt.date(day.day, locale) for day in figures.orders_per_day],
                   "series": [{"label": tr.gettext("Own orders"), "values": [day.own for day in figures.orders_per_day]},
                              {"label": tr.gettext("Referred orders"),
                               "values": [day.referred for day in figures.orders_per_day]}]},
        "sizes": {"labels": [str(size) for size, _count in figures.size_distribution],
                  "series": [{"label": tr.gettext("Groups"), "values": [count for _size, count in figures.size_distribution]}]},
        # Euros, not cents, on the axis; the figures above stay exact.
        "money": {"labels": [fmt.date(week.monday, locale) for week in figures.money_per_week],
                  "series": [{"label": tr.gettext("Cashback"), "values": [week.cashback / 100 for week in figures.money_per_week]},
                             {"label": tr.gettext("Fees"), "values": [week.fees / 100 for week in figures.money_per_week]}]},
    }
    return {
        "figures": figures, "charts": charts,
        "referred_share": fmt.share(figures.referred_orders, figures.orders, locale),
        "fill_rate": fmt.share(figures.groups_completed, figures.groups_ended, locale),
        "average_size": fmt.number(figures.ended_participants / figures.groups_ended, locale)
        if figures.groups_ended else "—",
        "k_factor": fmt.number(figures.referred_orders / figures.groups_opened, locale)
        if figures.groups_opened else "—",
    }


def settings_form(settings: GroupSettings) -> dict[str, str]:
    """The ladder editor's fields filled from the saved settings."""
    form = {"discount_type": settings.discount_type.value, "max_participants": str(settings.max_participants),
            "minutes_duration": str(settings.minutes_duration),
            "min_purchase": f"{settings.min_purchase_value // 100}.{settings.min_purchase_value % 100:02d}"}
    for index, level in enumerate(settings.discount_levels, start=1):
        form[f"level{index}_participants"] = str(level.participants_to_unlock)
        form[f"level{index}_value"] = str(level.value)
    return form


def posted_form(form: Any, *, limit: int = 20) -> dict[str, str]:
    """What was typed, to show it again beside the error (bounded like the fields themselves)."""
    return {str(key): value.strip()[:limit] for key, value in form.items() if isinstance(value, str)}


def preview_context(preview: CostPreview, locale: str) -> dict[str, Any]:
    def share(basis_points: int | None) -> str:
        return fmt.share(basis_points, 10_000, locale) if basis_points is not None else "—"

    return {
        "basket": fmt.money(preview.basket, locale), "observed": preview.observed,
        "overall": share(preview.overall_basis_points), "fee": share(preview.fee_basis_points),
        "levels": [{"level": row.level, "groups": fmt.share(row.groups_per_mille, 1000, locale),
                    "cost": share(row.cost_basis_points)} for row in preview.levels],
    }


async def payouts_page(connection: AsyncConnection, tenant: Tenant, page: int) -> dict[str, Any]:
    """A page of the payouts (newest first), the newest batches, what the next batch would take (all the pending
    payouts, summed in SQL), and the account they are paid from."""
    filters = Filters(term="", status="", date_from=None, date_to=None, page=page)
    found, count = await payout_service.list_payouts(connection, tenant, filters.params(text_fields=()))
    newest = ListParams(take=50, skip=0, order_field="createdAt", descending=True, search=None, expand=frozenset())
    batches, batch_count = await payout_service.list_batches(connection, tenant, newest)
    pending_count, pending_total = await payout_service.pending_summary(connection, tenant)
    return {"payouts": found, "payout_count": count, "batches": batches, "batch_count": batch_count,
            "pending_total": pending_total, "pending_count": pending_count, **pager(filters, count),
            "account": await payout_service.get_payout_settings(connection, tenant), "error": None,
            "failable": frozenset({PayoutStatus.PENDING, PayoutStatus.IN_BATCH, PayoutStatus.REQUIRES_ATTENTION})}


KEYS_SHOWN = 50  # the mode's newest keys; at most 20 of them are usable at once


async def developers_page(connection: AsyncConnection, tenant: Tenant, *, with_keys: bool) -> dict[str, Any]:
    """The API version, the mode's API keys (`with_keys`: the owner's view), the webhook endpoints with their
    latest deliveries, and the latest events."""
    newest = ListParams(take=20, skip=0, order_field="createdAt", descending=True, search=None, expand=frozenset())
    keys: list[ApiKey] = []
    if with_keys:
        newest_keys = ListParams(take=KEYS_SHOWN, skip=0, order_field="createdAt", descending=True, search=None,
                                 expand=frozenset())
        keys = (await organization_service.list_keys(connection, tenant, newest_keys))[0]
    endpoints, _count = await webhook_service.list_endpoints(connection, tenant, newest)
    deliveries = {endpoint.id: (await webhook_service.list_deliveries(connection, tenant, endpoint.id, newest))[0]
                  for endpoint in endpoints}
    latest_events, event_count = await events_service.list_events(connection, tenant, newest)
    organization = await organization_service.find_organization(connection, tenant.organization_id)
    return {"endpoints": endpoints, "deliveries": deliveries, "events": latest_events, "event_count": event_count,
            "api_version": organization.api_version if organization is not None else "", "error": None,
            "new_secret": None, "keys": keys, "new_key": None,
            "now": clock.now()}


BRAND_FIELDS = {"display_name": 100, "color": 7, "logo_url": 500, "website_url": 500, "contact_email": 254}


def brand_form(settings: BrandSettings) -> dict[str, str]:
    """The brand form's fields filled from the saved settings."""
    return {"display_name": settings.display_name, "color": f"#{settings.color or DEFAULT_COLOR}",
            "logo_url": settings.logo_url or "", "website_url": settings.website_url or "",
            "contact_email": settings.contact_email or ""}


def posted_brand_form(values: Any) -> dict[str, str]:
    """The brand fields of a form or a query string, each cut to its bound."""
    return {name: value.strip()[:limit] for name, limit in BRAND_FIELDS.items()
            if isinstance(value := values.get(name), str)}


def brand_body(posted: dict[str, str], *, with_contact: bool) -> dict[str, Any]:
    """The fields as `PATCH /brand-settings` reads them; every field is sent, so a blank one clears it."""
    body: dict[str, Any] = {"displayName": posted.get("display_name", ""), "color": posted.get("color", ""),
                            "logoUrl": posted.get("logo_url", ""), "websiteUrl": posted.get("website_url", "")}
    if with_contact:
        body["contactEmail"] = posted.get("contact_email", "")
    return body


def brand_preview_query(form: dict[str, str]) -> str:
    """The preview frame's first query string: the form as shown (saved, or as posted beside an error)."""
    return urlencode({name: form.get(name, "") for name in ("display_name", "color", "logo_url", "website_url")})


async def newest_group(connection: AsyncConnection, tenant: Tenant) -> ReferralGroup | None:
    newest = ListParams(take=1, skip=0, order_field="createdAt", descending=True, search=None, expand=frozenset())
    found, _count = await group_service.list_groups(connection, tenant, newest)
    return found[0] if found else None
