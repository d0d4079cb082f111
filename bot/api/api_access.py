"""The JSON API is for machines: a bearer token (GUANJIA_API_TOKEN) guards it.

Without a token configured the API stays open, as the quick start needs, and the server
warns at start, the same way as for an unsigned generic webhook. People use the web pages.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from bot.app_services import Services


async def require_api_token(request: Request, services: Services) -> None:
    token = services.settings.api_token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value()
    # Settings refuse a blank token; the check here refuses a blank answer as well.
    if scheme.lower() != "bearer" or not given.strip() or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API token: send Authorization: Bearer <GUANJIA_API_TOKEN>",
            headers={"WWW-Authenticate": "Bearer"},
        )
