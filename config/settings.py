"""Environment settings (GUANJIA_*), read through a function so tests can build their own."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
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
    "wecom_bot_token",
    "wecom_bot_aes_key",
    "wecom_bot_secret",
    "wecom_corp_secret",
)

# The official gateway of the WeCom 智能机器人 long connection (wecom-aibot-python-sdk's default).
WECOM_BOT_WS_URL = "wss://openws.work.weixin.qq.com"


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
    dingtalk_app_key: str | None = None  # Stream mode (clientId) and downloading photos (downloadCode)
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
    # Ledger exports of more rows than this run as a job (progress page, file kept a day here).
    export_job_rows: int = 5000
    export_dir: Path = PROJECT_ROOT / "var" / "exports"
    # Photos (bot/media, README "Photos"): fetched only from each platform's media API at these
    # bases, capped while streaming, checked for pixels before decoding, then re-encoded.
    dingtalk_api_base: str = "https://api.dingtalk.com"
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    feishu_api_base: str = "https://open.feishu.cn"
    wecom_corp_secret: SecretStr | None = None  # a self-built app's secret: photos by MediaId
    # Hosts (and their subdomains) a WeCom image URL may point at: a 智能机器人 gets only a URL.
    wecom_media_hosts: list[str] = ["qpic.cn", "weixin.qq.com", "myqcloud.com"]
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_photo_pixels: int = Field(default=40_000_000, ge=10_000)
    photo_max_side: int = Field(default=2048, ge=64, le=8192)
    # Test/development only: let photo downloads reach 127.0.0.1 / ::1 (the fake platforms).
    # Private, link-local and other non-public addresses stay refused regardless.
    media_allow_loopback: bool = False
    # Log lines: "text" (readable) or "json" (one object a line); secrets are masked in both.
    log_format: Literal["text", "json"] = "text"
    # Worker threads per server process for intake work that waits on the database (bot/api/intake_calls.py).
    intake_threads: int = Field(default=4, ge=1, le=64)
    # Group commit: webhook messages that arrive together are written in one transaction and
    # one commit, each answered after it (bot/chat/group_commit.py).
    intake_group_commit: bool = True
    # Who writes those batches: "loop" (the event loop), "thread" (a writer thread), or "auto":
    # the loop on SQLite, a thread on PostgreSQL, whose round trips must not hold up the loop.
    intake_writer: Literal["auto", "loop", "thread"] = "auto"
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
    # Web accounts (README "Web accounts and sessions"). Proxies allowed to name the client in
    # X-Forwarded-For / X-Real-IP: a comma list of addresses or CIDRs. Empty (the default):
    # forwarded headers are ignored and the client is the connecting address.
    trusted_proxies: str = ""
    # The site's address as users reach it (https://ledger.example.cn); share links are built
    # from it, never from the request's Host header.
    public_url: str | None = None

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item:
                try:
                    ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"GUANJIA_TRUSTED_PROXIES: {item!r} is not an address or CIDR") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_is_a_site(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError(f"GUANJIA_PUBLIC_URL must look like https://host[:port][/path], not {value!r}")
        return value.strip().rstrip("/")

    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()]

    # /docs, /redoc and /openapi.json describe every route: development only.
    dev_docs: bool = False

    # --- DingTalk Stream mode (bot/connections/dingtalk_stream.py, README "DingTalk long connection").
    # "stream": the bot dials DingTalk; "http": DingTalk calls /webhook/dingtalk. Unset: stream
    # when GUANJIA_DINGTALK_APP_KEY and GUANJIA_DINGTALK_APP_SECRET are both set, else http.
    dingtalk_mode: Literal["stream", "http"] | None = None
    # The OpenAPI base asked for a connection ticket (tests point it at a local fake gateway).
    dingtalk_stream_endpoint: str = "https://api.dingtalk.com"

    @field_validator("dingtalk_app_key")
    @classmethod
    def _app_key_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("GUANJIA_DINGTALK_APP_KEY is set but empty: give it a value or remove the variable")
        return value

    @field_validator("dingtalk_stream_endpoint")
    @classmethod
    def _stream_endpoint_is_a_site(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError(f"GUANJIA_DINGTALK_STREAM_ENDPOINT must look like https://host[:port], not {value!r}")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _stream_has_credentials(self) -> Settings:
        """Stream asked for without the app's credentials could never connect: say so at start."""
        if self.dingtalk_mode == "stream" and (self.dingtalk_app_key is None or self.dingtalk_app_secret is None):
            raise ValueError(
                "GUANJIA_DINGTALK_MODE=stream needs GUANJIA_DINGTALK_APP_KEY and GUANJIA_DINGTALK_APP_SECRET"
            )
        return self

    def dingtalk_stream(self) -> bool:
        """Whether the DingTalk Stream client runs (the explicit mode, else: credentials are set)."""
        if self.dingtalk_mode is not None:
            return self.dingtalk_mode == "stream"
        return self.dingtalk_app_key is not None and self.dingtalk_app_secret is not None

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

    # --- Feishu 长连接 (README "Feishu long connection", bot/connections/feishu_ws.py) ---------
    # ws: the bot dials Feishu (no public address needed); http: Feishu calls /webhook/feishu.
    # Unset: ws once GUANJIA_FEISHU_APP_ID and GUANJIA_FEISHU_APP_SECRET are both set.
    feishu_mode: Literal["ws", "http"] | None = None
    # Where the connection and the reply API are asked; a test points it at a local fake.
    feishu_domain: str = "https://open.feishu.cn"

    @model_validator(mode="after")
    def _feishu_ws_has_credentials(self) -> Settings:
        if self.feishu_mode == "ws" and (self.feishu_app_id is None or self.feishu_app_secret is None):
            raise ValueError("GUANJIA_FEISHU_MODE=ws needs GUANJIA_FEISHU_APP_ID and GUANJIA_FEISHU_APP_SECRET")
        parsed = urlsplit(self.feishu_domain)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path.strip("/"):
            raise ValueError(f"GUANJIA_FEISHU_DOMAIN must look like https://open.feishu.cn, not {self.feishu_domain!r}")
        return self

    def feishu_ws_enabled(self) -> bool:
        if self.feishu_mode is not None:
            return self.feishu_mode == "ws"
        return self.feishu_app_id is not None and self.feishu_app_secret is not None

    # WeCom 智能机器人 (README "WeCom 智能机器人 long connection"). Its HTTP callback has its own
    # Token / EncodingAESKey (falling back to GUANJIA_WECOM_TOKEN / _AES_KEY) and receive id ("" for
    # an internal robot), so one instance also serves a 自建应用 with the shared ones.
    wecom_bot_token: SecretStr | None = None
    wecom_bot_aes_key: SecretStr | None = None
    wecom_bot_receive_id: str = ""
    # Long connection: the robot's BotID and Secret; ws is the default once both are set.
    wecom_bot_id: str | None = None
    wecom_bot_secret: SecretStr | None = None
    wecom_bot_mode: Literal["ws", "http"] | None = None
    wecom_bot_ws_url: str = WECOM_BOT_WS_URL

    @field_validator("wecom_bot_ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
            raise ValueError(f"GUANJIA_WECOM_BOT_WS_URL must look like wss://host[:port][/path], not {value!r}")
        return value.strip()

    def wecom_bot_effective_mode(self) -> Literal["ws", "http"]:
        """ws when chosen, or by default once the BotID and Secret are set; http otherwise."""
        if self.wecom_bot_mode is not None:
            return self.wecom_bot_mode
        return "ws" if self.wecom_bot_id and self.wecom_bot_secret else "http"

    @model_validator(mode="after")
    def _wecom_bot_ws_has_credentials(self) -> Settings:
        """Asking for the long connection without its credentials is a start-up error, not a silent "off"."""
        if self.wecom_bot_id is not None and not self.wecom_bot_id.strip():
            raise ValueError("GUANJIA_WECOM_BOT_ID is set but empty: give it a value or remove the variable")
        if self.wecom_bot_mode == "ws" and not (self.wecom_bot_id and self.wecom_bot_secret):
            raise ValueError("GUANJIA_WECOM_BOT_MODE=ws needs GUANJIA_WECOM_BOT_ID and GUANJIA_WECOM_BOT_SECRET")
        return self

    # --- card buttons (issue 13 item 2) ---
    # A WeCom 智能机器人 answers a new or fixed ticket with a template card (认领/退回, 验收通过/不通过)
    # instead of markdown. Off by default: a template card cannot @ the unit as the markdown does.
    wecom_bot_cards: bool = False
    # Over the 智能机器人 long connection the answer stays the markdown stream (it @s the unit) and
    # the card follows it as a pushed message, so nothing is lost: on unless turned off.
    wecom_bot_ws_cards: bool = True


def get_settings() -> Settings:
    return Settings()
