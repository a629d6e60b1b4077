"""`kohort users …` as a real subprocess against the backend under test."""

from __future__ import annotations

import json
import os
import subprocess

from kohort.db import Database
from kohort.user import service as user_service
from tests.cli.test_cli import KOHORT
from tests.factories.merchant import Merchant, unique_email


def users(database: Database, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KOHORT), "users", *args], env={**os.environ, "KOHORT_DATABASE_URL": database.url},
                          input=password, capture_output=True, text=True, timeout=120, check=False)


async def test_users_are_created_listed_disabled_and_given_new_passwords(database: Database,
                                                                         merchant: Merchant) -> None:
    email = unique_email("admin")
    created = users(database, "create", "--org", merchant.id, "--email", email, "--role", "admin",
                    "--password-stdin", password="first passphrase here\n")
    assert created.returncode == 0, created.stderr
    assert "first passphrase" not in created.stdout
    listed = json.loads(users(database, "list", "--org", merchant.id, "--json").stdout)
    assert [(user["email"], user["role"], user["disabledAt"]) for user in listed] == [(email, "admin", None)]

    changed = users(database, "set-password", "--email", email, "--password-stdin", password="second passphrase!\n")
    assert changed.returncode == 0, changed.stderr
    started = await user_service.log_in(database, email=email, password="second passphrase!")
    assert started.session.user.email == email

    assert users(database, "disable", "--email", email).returncode == 0
    listed = json.loads(users(database, "list", "--org", merchant.id, "--json").stdout)
    assert listed[0]["disabledAt"] is not None


def test_bad_users_are_refused_with_a_message(database: Database, merchant: Merchant) -> None:
    no_stdin = users(database, "create", "--org", merchant.id, "--email", unique_email(), "--role", "owner")
    assert no_stdin.returncode != 0
    bad_role = users(database, "create", "--org", merchant.id, "--email", unique_email(), "--role", "god",
                     "--password-stdin", password="long enough passphrase\n")
    assert bad_role.returncode != 0
    weak = users(database, "create", "--org", merchant.id, "--email", unique_email(), "--role", "viewer",
                 "--password-stdin", password="short\n")
    assert weak.returncode == 1
    assert "password" in weak.stderr
    missing = users(database, "disable", "--email", "nobody@shop.example")
    assert missing.returncode == 1
