"""How `guanjia serve` sets up uvicorn and the web settings for where it listens.

uvicorn trusts X-Forwarded-For from 127.0.0.1 by default (`--proxy-headers`,
`--forwarded-allow-ips=127.0.0.1`), so anyone connecting from loopback could claim a new
address per request and dodge the login throttle (issue 14, finding 2). guanjia turns that
off: the app itself reads forwarded headers, and only from GUANJIA_TRUSTED_PROXIES
(bot/web/client_address.py), one rule for every server that runs it.
"""

from __future__ import annotations

import os
from ipaddress import ip_address
from typing import Any

from config.settings import Settings

UVICORN_PROXY_OPTIONS: dict[str, Any] = {"proxy_headers": False, "forwarded_allow_ips": ""}


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Only this machine can connect (127.0.0.0/8, ::1, localhost); "0.0.0.0" and "" are every address."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False  # a host name could resolve anywhere


def serving_settings(settings: Settings, host: str) -> Settings:
    """Off loopback the session cookie is always Secure (finding 9): the service is then meant
    to be reached through HTTPS. Workers read settings from the environment, so it is set there too."""
    if is_loopback(host) or settings.web_secure_cookies:
        return settings
    os.environ["GUANJIA_WEB_SECURE_COOKIES"] = "true"
    return settings.model_copy(update={"web_secure_cookies": True})
