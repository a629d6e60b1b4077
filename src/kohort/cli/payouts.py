"""`kohort payouts export --org ORG [--live]` and `kohort payouts confirm BATCH`: the SEPA file round
trip for operators who run the payouts from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kohort.cli.common import run_in_runtime
from kohort.errors import KohortError
from kohort.payout import service as payout_service
from kohort.payout.domain import PayoutStatus
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant
from kohort.withdrawal import service as withdrawal_service

payouts_app = typer.Typer(help="Cashback payouts: SEPA credit-transfer batches.", no_args_is_help=True)


async def _export(runtime: Runtime, tenant: Tenant, output: Path | None) -> None:
    with typer.progressbar(length=1, label="Building the pain.001 batch", file=sys.stderr) as bar:
        progress = {"total": 0}

        def on_progress(done: int, total: int) -> None:
            if progress["total"] != total:
                progress["total"] = total
                bar.length = total
            bar.update(1)

        async with session_scope(runtime) as connection:
            set_aside = await payout_service.set_aside_unpayable(connection, tenant, runtime.cipher)
        for payout in set_aside:
            typer.echo(f"payout {payout.id} requires attention: {payout.attention_reason}", err=True)
        async with session_scope(runtime) as connection:
            created = await payout_service.create_batch(
                connection, tenant, runtime.cipher, runtime.payout_provider,
                execution_days=runtime.settings.payout_execution_days, on_progress=on_progress,
            )
    batch = created.batch
    if output is None:
        typer.echo(created.file)
    else:
        output.write_text(created.file or "", encoding="utf-8")
    typer.echo(f"batch {batch.id}: {batch.payout_count} payout(s), {batch.total_amount} cents"
               f"{'' if output is None else f', written to {output}'}", err=True)


@payouts_app.command("export")
def export(
    org: str = typer.Option(..., "--org", help="The organization id (org_…)."),
    live: bool = typer.Option(False, "--live", help="Live mode (default: test mode)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the XML here instead of stdout."),
) -> None:
    """Put every pending payout of the organization in a new batch and print its pain.001 XML."""
    try:
        run_in_runtime(lambda runtime: _export(runtime, Tenant(organization_id=org, livemode=live), output))
    except KohortError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None


async def _confirm(runtime: Runtime, batch_id: str) -> payout_service.CreatedBatch:
    async with session_scope(runtime) as connection:
        tenant = await payout_service.tenant_of_batch(connection, batch_id)
        return await withdrawal_service.confirm_batch(connection, tenant, runtime.cipher, batch_id)


@payouts_app.command("confirm")
def confirm(batch_id: str = typer.Argument(..., help="The batch id (pob_…) your bank executed.")) -> None:
    """Mark the batch executed: its payouts PAID, their orders CASHBACK_SENT, the shoppers emailed."""
    try:
        created = run_in_runtime(lambda runtime: _confirm(runtime, batch_id))
    except KohortError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    paid = sum(1 for payout in created.payouts if payout.status == PayoutStatus.PAID)
    typer.echo(f"batch {batch_id} confirmed: {paid} payout(s) paid")
