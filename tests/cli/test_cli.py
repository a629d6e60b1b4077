"""The `kohort` command line, run as a real subprocess against the backend under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kohort.db import Database

# The console script installed with the package (pyproject [project.scripts]).
KOHORT = Path(sys.executable).parent / "kohort"


def kohort(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KOHORT_DATABASE_URL": database_url}
    return subprocess.run(
        [str(KOHORT), *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = kohort(url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "fresh.db").exists()
    again = kohort(url, "db", "upgrade")  # idempotent
    assert again.returncode == 0, again.stderr
    created = kohort(url, "orgs", "create", "--name", "Fresh", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "Fresh"


def test_db_upgrade_on_the_backend_under_test(database: Database) -> None:
    result = kohort(database.url, "db", "upgrade")  # already at head: must be a no-op, not an error
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


async def test_orgs_create_prints_working_keys(database: Database, app_client: httpx.AsyncClient) -> None:
    result = kohort(database.url, "orgs", "create", "--name", "CLI shop", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["id"].startswith("org_")
    assert created["name"] == "CLI shop"
    assert created["apiVersion"] == "2025-01-01"
    assert set(created["keys"]) == {"sk_test", "sk_live", "pk_test", "pk_live"}
    for name, key in created["keys"].items():
        assert key.startswith(name + "_")
    # The printed keys authenticate against the same database, in the right mode.
    for name in ("sk_test", "sk_live"):
        response = await app_client.get("/payment-group-settings",
                                        headers={"Authorization": f"Bearer {created['keys'][name]}"})
        assert response.status_code == 200, response.text
        assert response.json()["organizationId"] == created["id"]
        assert response.json()["livemode"] is (name == "sk_live")


async def test_orgs_create_with_the_legacy_version(database: Database, app_client: httpx.AsyncClient) -> None:
    result = kohort(database.url, "orgs", "create", "--name", "Old plugins", "--api-version", "2024-01-01", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    response = await app_client.get("/payment-group-settings",
                                    headers={"Authorization": f"Bearer {created['keys']['sk_test']}"})
    assert response.headers["Kohort-Version"] == "2024-01-01"
    assert "max_participants" in response.json()


@pytest.mark.parametrize("args", [["orgs", "create", "--name", "X", "--api-version", "1999-01-01"],
                                  ["orgs", "create", "--json"], ["orgs", "create", "--name", "   "]])
def test_bad_arguments_fail_without_a_traceback(tmp_path: Path, args: list[str]) -> None:
    result = kohort(f"sqlite:///{tmp_path / 'bad.db'}", *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_orgs_create_without_json_prints_the_keys(tmp_path: Path) -> None:
    result = kohort(f"sqlite:///{tmp_path / 'plain.db'}", "orgs", "create", "--name", "Plain")
    assert result.returncode == 0, result.stderr
    assert "sk_test_" in result.stdout
    assert "pk_live_" in result.stdout
    assert "Plain" in result.stdout


async def test_keys_list_create_roll_revoke(database: Database, app_client: httpx.AsyncClient) -> None:
    organization = json.loads(kohort(database.url, "orgs", "create", "--name", "Keys shop", "--json").stdout)

    async def status(key: str) -> int:
        return (await app_client.get("/payment-group-settings", headers={"Authorization": f"Bearer {key}"})).status_code

    listed = kohort(database.url, "keys", "list", "--org", organization["id"], "--live", "--json")
    assert listed.returncode == 0, listed.stderr
    keys = json.loads(listed.stdout)
    assert sorted((key["kind"], key["livemode"]) for key in keys) == [("publishable", True), ("secret", True)]
    assert organization["keys"]["sk_live"] not in listed.stdout
    secret_id = next(key["id"] for key in keys if key["kind"] == "secret")

    created = kohort(database.url, "keys", "create", "--org", organization["id"], "--live", "--json")
    assert created.returncode == 0, created.stderr
    new_key = json.loads(created.stdout)
    assert new_key["secret"].startswith("sk_live_")
    assert await status(new_key["secret"]) == 200

    rolled = kohort(database.url, "keys", "roll", secret_id, "--grace-seconds", "600", "--json")
    assert rolled.returncode == 0, rolled.stderr
    replacement = json.loads(rolled.stdout)["secret"]
    assert await status(replacement) == 200
    assert await status(organization["keys"]["sk_live"]) == 200  # within its grace period

    # The operator may revoke even the last secret key without an end (the API refuses it).
    for key_id in (secret_id, new_key["id"], json.loads(rolled.stdout)["id"]):
        revoked = kohort(database.url, "keys", "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr
    assert [await status(key) for key in (organization["keys"]["sk_live"], new_key["secret"], replacement)] == [401] * 3

    table = kohort(database.url, "keys", "list", "--org", organization["id"], "--live")
    assert table.returncode == 0, table.stderr
    assert table.stdout.count("revoked") == 3
    assert "4 key(s)" in table.stdout

    missing = kohort(database.url, "keys", "revoke", "key_nope")
    assert missing.returncode == 1
    assert "not found" in missing.stderr
