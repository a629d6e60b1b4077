"""`kohort serve`, `kohort db upgrade`, `kohort orgs create`."""

from __future__ import annotations

import asyncio
import json
import logging

import typer
import uvicorn

from kohort.config import get_settings
from kohort.db import Database
from kohort.migrate import upgrade
from kohort.organization import repository as organization_repository
from kohort.organization import service as organization_service
from kohort.wire import API_VERSIONS, CURRENT_VERSION

app = typer.Typer(help="Kohort: referral groups and cashback for merchants.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations (merchants).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")


async def _create_organization(name: str, api_version: str) -> organization_service.CreatedOrganization:
    database = Database(get_settings().database_url)
    try:
        async with database.transaction() as connection:
            return await organization_service.create_organization(connection, name=name, api_version=api_version)
    finally:
        await database.dispose()


async def _create_demo_if_empty() -> organization_service.CreatedOrganization | None:
    database = Database(get_settings().database_url)
    try:
        async with database.transaction() as connection:
            if await organization_repository.count_organizations(connection) > 0:
                return None
            return await organization_service.create_organization(connection, name="Demo shop")
    finally:
        await database.dispose()


def _print_organization(created: organization_service.CreatedOrganization) -> None:
    typer.echo(f"Organization {created.name} ({created.id}), API version {created.api_version}")
    typer.echo("Keys (shown only now; store them safely):")
    for name, key in created.keys.items():
        typer.echo(f"  {name:8} {key}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@orgs_app.command("create")
def orgs_create(
    name: str = typer.Option(..., "--name", help="The merchant's name."),
    api_version: str = typer.Option(CURRENT_VERSION, "--api-version", help=f"One of {', '.join(API_VERSIONS)}."),
    as_json: bool = typer.Option(False, "--json", help="Print the organization and its keys as JSON."),
) -> None:
    """Create an organization with its four API keys and default group settings."""
    if api_version not in API_VERSIONS:
        raise typer.BadParameter(f"use one of {', '.join(API_VERSIONS)}", param_hint="--api-version")
    if not name.strip():
        raise typer.BadParameter("must not be empty", param_hint="--name")
    upgrade(get_settings().database_url)
    created = asyncio.run(_create_organization(name, api_version))
    if as_json:
        typer.echo(json.dumps({"id": created.id, "name": created.name, "apiVersion": created.api_version,
                               "keys": created.keys}, indent=2))
    else:
        _print_organization(created)


@app.command()
def serve(
    host: str = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default 8000)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes."),
) -> None:
    """Apply migrations, create a demo organization on first start, and serve the API."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    upgrade(settings.database_url)
    demo = asyncio.run(_create_demo_if_empty())
    if demo is not None:
        typer.echo("First start: created a demo organization.")
        _print_organization(demo)
    uvicorn.run(
        "kohort.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    app()
