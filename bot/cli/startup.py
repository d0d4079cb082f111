"""What every command that touches the database does first: read the config, migrate."""

from __future__ import annotations

import sys

from bot.core.migrations import upgrade_to_head
from config.loader import ConfigError, load_config
from config.schema import GuanjiaConfig
from config.settings import Settings


def load_or_exit(settings: Settings) -> GuanjiaConfig:
    try:
        return load_config(settings.config)
    except ConfigError as exc:
        print(f"配置错误 / configuration error:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate(settings: Settings) -> None:
    upgrade_to_head(settings.database_url)
