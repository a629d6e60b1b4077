"""`kohort cashback resend-links [--order ID | --group ID | --since DATE]`: a fresh withdrawal link for
shoppers whose cashback waits, e.g. after a mail outage or for one shopper who lost the email. Each
chosen order gets a new token (the link it had stops working) and the "cashback available" email again."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer

from kohort.cli.common import run_in_runtime
from kohort.kit.ids import new_id
from kohort.notify import service as notify
from kohort.order import service as order_service
from kohort.order.service import WithdrawableFilter
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant

cashback_app = typer.Typer(help="Shoppers' cashback: their withdrawal links.", no_args_is_help=True)

# Orders per transaction: short transactions, one email insert each.
PAGE = 200


async def _resend(runtime: Runtime, chosen: WithdrawableFilter) -> tuple[int, int]:
    """Returns (orders chosen, emails queued)."""
    async with session_scope(runtime) as connection:
        total = await order_service.count_withdrawable(connection, chosen)
    run_id = new_id("rsl")  # one run: its emails are once-only among themselves, not against earlier runs
    queued = 0
    after = ""
    with typer.progressbar(length=total, label="Issuing fresh withdrawal links", file=sys.stderr) as bar:
        while True:
            async with session_scope(runtime) as connection:
                page = await order_service.withdrawable_page(connection, chosen, after=after, limit=PAGE)
                by_tenant: dict[Tenant, list[str]] = {}
                for order_id, tenant in page:
                    by_tenant.setdefault(tenant, []).append(order_id)
                for tenant, order_ids in by_tenant.items():
                    queued += await notify.resend_links(connection, tenant, order_ids, run_id=run_id,
                                                        outbox=runtime.outbox)
            if not page:
                break
            after = page[-1][0]
            bar.update(len(page))
    return total, queued


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("a date (2026-12-01) or a date and time (2026-12-01T08:00:00Z)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@cashback_app.command("resend-links")
def resend_links(
    order: str = typer.Option(None, "--order", help="One order (ord_…)."),
    group: str = typer.Option(None, "--group", help="Every order of one group (grp_…)."),
    since: str = typer.Option(None, "--since", help="Orders whose cashback became available since this date "
                              "(ISO 8601, UTC unless it says otherwise)."),
) -> None:
    """Fresh withdrawal tokens (the old links stop working) and the "cashback available" emails queued
    again, for orders whose cashback is still waiting to be withdrawn. Say which: exactly one option."""
    given = [name for name, value in (("--order", order), ("--group", group), ("--since", since)) if value]
    if len(given) != 1:
        typer.echo("error: give exactly one of --order, --group, --since", err=True)
        raise typer.Exit(2)
    chosen = WithdrawableFilter(order_id=order, group_id=group, since=_moment(since) if since else None)
    total, queued = run_in_runtime(lambda runtime: _resend(runtime, chosen))
    typer.echo(f"{total} order(s) with cashback waiting; {queued} withdrawal email(s) queued with a fresh link")
