"""Build a variant of the default config for one test: load the YAML, change it, validate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from config.loader import parse_config
from config.schema import GuanjiaConfig

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "guanjia.yaml"


def config_with(change: Callable[[dict[str, Any]], object]) -> GuanjiaConfig:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    change(data)
    return parse_config(data, "test config")
