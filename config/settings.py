"""Environment settings (GUANJIA_*), read through a function so tests can build their own."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'guanjia.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUANJIA_", extra="ignore")

    database_url: str = default_database_url()
    config: Path | None = None
    generic_secret: SecretStr | None = None
    # Largest accepted webhook body; platforms send far less.
    max_body_bytes: int = 64 * 1024
    # How far a signed request's timestamp may be from our clock.
    signature_tolerance_seconds: int = 300
    # Run the deadline sweep, digests and outbox sender inside the server process.
    run_scheduler: bool = True


def get_settings() -> Settings:
    return Settings()
