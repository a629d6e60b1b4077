"""All settings, read once from the environment (prefix KOHORT_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOHORT_", extra="ignore")

    database_url: str = "sqlite:///./kohort.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Authenticated keys are cached per process for this long; a key is never deleted by the API
    # today, so the cache only spares the hot path one query per request.
    api_key_cache_seconds: float = 30.0
    db_pool_size: int = 20
    log_level: str = "info"
    # `kohort serve` runs the job runner inside the app (the one-command embedded setup); set false
    # (`kohort serve --no-worker`) when separate `kohort worker` processes do the background work.
    embedded_worker: bool = True
    worker_batch_size: int = 20
    # Groups settled per transaction by the settlement sweep.
    settle_batch_size: int = 500
    # A claimed job whose worker does not finish within this is claimed again by another worker.
    job_lease_seconds: float = 60.0
    worker_poll_interval: float = 0.5


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
