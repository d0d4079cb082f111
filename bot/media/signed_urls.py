"""Signed, expiring /media URLs: for a card or digest that must carry a photo link out of the web.

A photo is served to a signed-in web user, or to whoever holds a URL signed here: an HMAC
(SHA-256, the web secret key) over the path and the expiry, so the link names one photo and
stops working at its expiry; changing either breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode


def _signature(key: str, path: str, expires: int) -> str:
    digest = hmac.new(key.encode(), f"guanjia-media\n{path}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_url(key: str, path: str, expires: int) -> str:
    """`path` (a /media/... path) with ?exp=<unix seconds>&sig=<hmac>."""
    return f"{path}?{urlencode({'exp': expires, 'sig': _signature(key, path, expires)})}"


def is_valid(key: str, path: str, exp: str | None, sig: str | None, now: float) -> bool:
    """True only for an unexpired expiry with the signature this key makes for this path."""
    if not exp or not sig or not exp.isdigit() or len(exp) > 12 or int(exp) < now:
        return False
    return hmac.compare_digest(_signature(key, path, int(exp)).encode(), sig.encode())
