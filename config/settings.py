"""Environment settings (GUANJIA_*), read through a function so tests can build their own."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'guanjia.db'}"


_SECRETS = (
    "generic_secret",
    "api_token",
    "dingtalk_app_secret",
    "wecom_token",
    "wecom_aes_key",
    "feishu_encrypt_key",
    "feishu_verification_token",
    "feishu_app_secret",
    "web_secret_key",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUANJIA_", extra="ignore")

    database_url: str = default_database_url()
    config: Path | None = None
    generic_secret: SecretStr | None = None
    # Off: /webhook/generic answers 404 (a deployment that only speaks DingTalk/WeCom/Feishu).
    generic_webhook_enabled: bool = True
    # Bearer token for /api/*; unset = open API (development), with a warning at start.
    api_token: SecretStr | None = None
    # Chat platforms (see README "DingTalk", "WeCom", "Feishu"); a platform stays off until set.
    dingtalk_app_secret: SecretStr | None = None
    dingtalk_app_key: str | None = None  # only for downloading photos (downloadCode)
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_corp_id: str = ""  # empty for a 智能机器人 (its receive id is empty)
    feishu_encrypt_key: SecretStr | None = None
    feishu_verification_token: SecretStr | None = None
    feishu_app_id: str | None = None  # only for downloading photos
    feishu_app_secret: SecretStr | None = None
    # The parser model retrained from this deployment's ledger (`guanjia train --ledger`); the
    # one shipped with guanjia is used until a retrained one passes the guard.
    parser_model: Path = PROJECT_ROOT / "var" / "models" / "parser_model.npz"
    # Where photos from the platforms are stored.
    media_dir: Path = PROJECT_ROOT / "var" / "media"
    # Log lines: "text" (readable) or "json" (one object a line); secrets are masked in both.
    log_format: Literal["text", "json"] = "text"
    # Messages handled at once per server process (see bot/api/intake_calls.py).
    intake_threads: int = Field(default=4, ge=1, le=64)
    # Largest accepted webhook body; platforms send far less.
    max_body_bytes: int = 64 * 1024
    # How far a signed request's timestamp may be from our clock.
    signature_tolerance_seconds: int = 300
    # Run the deadline sweep, digests and outbox sender inside the server process.
    run_scheduler: bool = True
    # Web ledger (bot/web): signs session cookies and share links. Unset: a random key kept in
    # web_secret_file (created on first use). Set web_secure_cookies behind HTTPS.
    web_secret_key: SecretStr | None = None
    web_secret_file: Path = PROJECT_ROOT / "var" / "web_secret.key"
    web_secure_cookies: bool = False
    web_session_hours: int = 12
    # /docs, /redoc and /openapi.json describe every route: development only.
    dev_docs: bool = False

    @field_validator(*_SECRETS, mode="before")
    @classmethod
    def _secret_not_blank(cls, value: object, info: ValidationInfo) -> object:
        """A blank secret would be "set" yet guessable (`Bearer ` with nothing after it, an HMAC
        with the empty key): it is a configuration error, never a silent "off"."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and not raw.strip():
            name = f"GUANJIA_{(info.field_name or '').upper()}"
            raise ValueError(f"{name} is set but empty: give it a value or remove the variable")
        return value


def get_settings() -> Settings:
    return Settings()
