"""Deployment configuration: typed schema, YAML loading and environment settings."""

from config.loader import ConfigError, default_config_path, load_config
from config.schema import GuanjiaConfig
from config.settings import Settings, get_settings

__all__ = ["ConfigError", "GuanjiaConfig", "Settings", "default_config_path", "get_settings", "load_config"]
