"""`kohort users create|list|disable|set-password`: the dashboard's accounts. Passwords are read from
standard input (never from the command line, where `ps` and shell history would keep them)."""

from __future__ import annotations

import json
import sys

import typer

from kohort.cli.common import run_in_runtime
from kohort.config import get_settings
from kohort.errors import KohortError
from kohort.kit.timefmt import iso_z
from kohort.migrate import upgrade
from kohort.runtime import Runtime, session_scope
from kohort.user import service as user_service
from kohort.user.domain import Role, User

users_app = typer.Typer(help="Dashboard users (log in at /dashboard).", no_args_is_help=True)


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise typer.BadParameter("give the password on standard input", param_hint="--password-stdin")
    return password


def _fail(error: KohortError) -> typer.Exit:
    typer.echo(error.message, err=True)
    return typer.Exit(1)


@users_app.command("create")
def users_create(
    organization: str = typer.Option(..., "--org", help="The organization's id (org_…)."),
    email: str = typer.Option(..., "--email"),
    role: Role = typer.Option(..., "--role", help="owner, admin or viewer."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    locale: str = typer.Option("fr_FR", "--locale", help="fr_FR or en_US: the dashboard's language."),
) -> None:
    """Create a dashboard user of an organization."""
    if not password_stdin:
        raise typer.BadParameter("the password is only read from standard input", param_hint="--password-stdin")
    password = _password_from_stdin()
    upgrade(get_settings().database_url)

    async def create(runtime: Runtime) -> User:
        async with session_scope(runtime) as connection:
            return await user_service.create_user(connection, organization_id=organization, email=email, role=role,
                                                  password=password, locale=locale)
    try:
        user = run_in_runtime(create)
    except KohortError as error:
        raise _fail(error) from None
    typer.echo(f"{user.id} {user.email} {user.role} ({user.organization_id})")


@users_app.command("list")
def users_list(
    organization: str = typer.Option(None, "--org", help="Only this organization's users."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every dashboard user (or one organization's)."""

    async def found(runtime: Runtime) -> list[User]:
        async with session_scope(runtime) as connection:
            return await user_service.list_users(connection, organization_id=organization)
    listed = run_in_runtime(found)
    if as_json:
        typer.echo(json.dumps([{"id": user.id, "organizationId": user.organization_id, "email": user.email,
                                "role": user.role.value, "locale": user.locale, "createdAt": iso_z(user.created_at),
                                "disabledAt": iso_z(user.disabled_at) if user.disabled_at else None}
                               for user in listed], indent=2))
        return
    for user in listed:
        state = "disabled" if user.disabled_at else "active"
        typer.echo(f"{user.id}  {user.organization_id}  {user.role:6}  {state:8}  {user.email}")
    typer.echo(f"{len(listed)} user(s)")


@users_app.command("disable")
def users_disable(email: str = typer.Option(..., "--email")) -> None:
    """The user can no longer log in; their open sessions end."""

    async def disable(runtime: Runtime) -> User:
        async with session_scope(runtime) as connection:
            return await user_service.disable_user(connection, email)
    try:
        user = run_in_runtime(disable)
    except KohortError as error:
        raise _fail(error) from None
    typer.echo(f"{user.email} disabled")


@users_app.command("set-password")
def users_set_password(
    email: str = typer.Option(..., "--email"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """A new password (read from standard input); the user's open sessions end."""
    if not password_stdin:
        raise typer.BadParameter("the password is only read from standard input", param_hint="--password-stdin")
    password = _password_from_stdin()

    async def change(runtime: Runtime) -> User:
        async with session_scope(runtime) as connection:
            return await user_service.set_password(connection, email, password)
    try:
        user = run_in_runtime(change)
    except KohortError as error:
        raise _fail(error) from None
    typer.echo(f"{user.email}: password changed")
