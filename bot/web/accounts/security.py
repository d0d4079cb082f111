"""Secrets of the web ledger: password hashes and signed cookies (sessions, share links and
login throttling are rows: bot/web/accounts/sessions.py, share_links.py, throttle.py).

Nothing here reads the wall clock: times come from the app's injected clock.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

from config.settings import Settings

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def secret_key(settings: Settings) -> str:
    """GUANJIA_WEB_SECRET_KEY, or a random key kept in `web_secret_file` (made on first use)."""
    if settings.web_secret_key is not None:
        return settings.web_secret_key.get_secret_value()
    path: Path = settings.web_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
            log.warning("web ledger: generated a secret key in %s (set GUANJIA_WEB_SECRET_KEY to choose one)", path)
        except FileExistsError:
            pass  # another process made it first
    return path.read_text(encoding="ascii").strip()


class Signer:
    """Signs small JSON payloads for one purpose each (session, share, flash)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def dumps(self, purpose: str, payload: dict[str, Any]) -> str:
        return URLSafeSerializer(self._key, salt=f"guanjia-web-{purpose}").dumps(payload)

    def loads(self, purpose: str, token: str | None) -> dict[str, Any] | None:
        if not token:
            return None
        try:
            data = URLSafeSerializer(self._key, salt=f"guanjia-web-{purpose}").loads(token)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None
