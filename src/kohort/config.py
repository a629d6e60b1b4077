"""All settings, read once from the environment (prefix KOHORT_)."""

from __future__ import annotations

import logging
import os
import time
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from kohort.kit.crypto import new_key

log = logging.getLogger("kohort.config")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOHORT_", extra="ignore")

    database_url: str = "sqlite:///./kohort.db"
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = 20
    log_level: str = "info"
    # "keyvalue" (`time level logger event key=value …`, for people) or "json" (one object per line, for a
    # log collector); see kohort.logs.
    log_format: str = "keyvalue"
    # `kohort serve` runs the job runner inside the app (the one-command embedded setup); set false
    # (`kohort serve --no-worker`) when separate `kohort worker` processes do the background work.
    embedded_worker: bool = True
    # Jobs a runner claims per turn, and how many it runs at once (emails are sent concurrently; at most a
    # few of the jobs that need the database hold a connection).
    worker_batch_size: int = 32
    worker_concurrency: int = 32
    # Groups settled per transaction by the settlement sweep.
    settle_batch_size: int = 500
    # A claimed job whose worker does not finish within this is claimed again by another worker.
    job_lease_seconds: float = 60.0
    worker_poll_interval: float = 0.5

    # Links in emails and pages point here (the group page, the withdrawal page).
    public_url: str = "http://127.0.0.1:8000"
    # AES-256 key (urlsafe base64 of 32 bytes) encrypting shoppers' IBANs, payout batch files, queued email
    # payloads and webhook secrets. Unset: a development key is generated once into a file (`dev_key_path`),
    # and live-mode requests are refused; set it in production.
    encryption_key: str | None = None
    # Where that development key lives; default: beside the SQLite database file, or for PostgreSQL in the
    # user's data directory (`$XDG_DATA_HOME/kohort`, else `~/.local/share/kohort`).
    dev_key_file: str | None = None

    # Emails. "smtp" sends through the server below; "console" prints them (the one-command local run).
    email_backend: str = "console"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_tls: str = "none"  # "none" | "starttls" | "ssl"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 10.0
    # Open SMTP connections a process keeps and reuses (one message at a time on each).
    smtp_pool_size: int = 16
    email_sender: str = "Kohort <no-reply@kohort.localhost>"

    # Rate limits (kohort.ratelimit), per minute: share-code look-ups that name no group, per client address
    # and per API key; withdrawals with an unknown order or a wrong token, per client address. Counters
    # live in the process ("memory"), in PostgreSQL ("database", shared by every process) or in Redis;
    # "auto" picks Redis when `redis_url` is set, else the database on PostgreSQL, else memory.
    rate_limits_enabled: bool = True
    rate_limit_backend: str = "auto"
    redis_url: str | None = None
    rate_limit_share_code_misses_per_ip: int = 60
    rate_limit_share_code_misses_per_key: int = 600
    rate_limit_withdrawal_failures_per_ip: int = 10

    # SEPA credit transfers: the requested execution date is this many business days ahead.
    payout_execution_days: int = 1


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


DEV_KEY_NAME = "kohort-dev.key"


def user_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kohort"


def dev_key_path(settings: Settings) -> Path:
    """Where the development key lives: `dev_key_file` if set, else beside the SQLite database (the two travel
    together), else (PostgreSQL, an in-memory SQLite) in the user's data directory."""
    if settings.dev_key_file:
        return Path(settings.dev_key_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        return Path(url.database).resolve().parent / DEV_KEY_NAME
    return user_data_dir() / DEV_KEY_NAME


def _adopt_working_directory_key(path: Path) -> None:
    """Versions before this one kept the development key in the working directory: when it is there and the
    new place is empty, it is copied there (not moved: another database started from this directory may use
    it too), so that an upgrade keeps the data readable."""
    legacy = Path.cwd() / DEV_KEY_NAME
    if path.exists() or not legacy.is_file() or legacy.resolve() == path.resolve():
        return
    content = legacy.read_text().strip()
    if not content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content + "\n")
    log.warning("crypto.dev_key_copied from=%s to=%s (delete the old file once no other database uses it)",
                legacy, path)


def encryption_key(settings: Settings) -> str:
    """The configured key, or the development key kept at `dev_key_path` (created on first use, once:
    several server processes starting together all end up with the same key)."""
    if settings.encryption_key:
        return settings.encryption_key
    path = dev_key_path(settings)
    if not settings.dev_key_file:
        _adopt_working_directory_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be between creating and writing it
            existing = path.read_text().strip()
            if existing:
                return existing
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it or set KOHORT_ENCRYPTION_KEY") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    log.warning("crypto.dev_key_generated path=%s (set KOHORT_ENCRYPTION_KEY in production)", path)
    return key
