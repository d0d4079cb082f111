"""Logging for `guanjia serve`, configured in one place: plain lines or JSON, secrets never written.

`GUANJIA_LOG_FORMAT=json` writes one JSON object per line (`ts`, `level`, `logger`, `pid`,
`message`, `exc`), for a log shipper; the default is one readable line. Both redact, in the
final text (exceptions included): every secret setting's value, the database password, the
robots' signing secrets, share-link tokens in `/s/<token>` paths, and `access_token=` /
`key=` / `sign=` / `secret=` values in URLs (httpx logs the robot webhook URLs it posts to).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from config.schema import GuanjiaConfig
from config.settings import Settings

_URL_SECRET = re.compile(r"(?i)\b(access_token|token|key|sign|secret|password)=([^&\s\"']+)")
# A share link's token is its password: uvicorn's access log would write it with the path.
_SHARE_PATH = re.compile(r"(/s/)[A-Za-z0-9_-]{16,}")
MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secrets_of(settings: Settings, cfg: GuanjiaConfig | None = None) -> list[str]:
    """Every secret value the process knows, longest first (so no secret is half-masked)."""
    found: set[str] = set()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.add(value.get_secret_value())
    try:
        password = make_url(settings.database_url).password
    except Exception:  # an unparseable URL fails later, with its own message
        password = None
    if password:
        found.add(str(password))
    if cfg is not None:
        for group in cfg.groups.values():
            secret = group.outbound.resolved_secret()
            if secret:
                found.add(secret)
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _SHARE_PATH.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _URL_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str | None = TEXT_FORMAT, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(fmt, **kwargs)
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


class JsonFormatter(RedactingFormatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, ensure_ascii=False), [json.dumps(s)[1:-1] for s in self.secrets])


def logging_config(settings: Settings, cfg: GuanjiaConfig | None = None, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for the root logger and uvicorn's loggers (give it to uvicorn as log_config)."""
    json_lines = settings.log_format == "json"
    formatter = {
        "()": f"{__name__}.{'JsonFormatter' if json_lines else 'RedactingFormatter'}",
        "secrets": secrets_of(settings, cfg),
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"guanjia": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "guanjia", "stream": "ext://sys.stderr"}
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        }
        | {"alembic.runtime.plugins": {"level": "WARNING"}}  # a line per plugin at every start
        | {"apscheduler": {"level": "WARNING"}},  # two lines per job run, every two seconds
    }


def configure_logging(settings: Settings, cfg: GuanjiaConfig | None = None, level: str = "INFO") -> dict[str, Any]:
    """Apply the configuration now; returns it for uvicorn (`uvicorn.run(..., log_config=...)`)."""
    config = logging_config(settings, cfg, level)
    logging.config.dictConfig(config)
    return config
