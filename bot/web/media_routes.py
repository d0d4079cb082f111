"""GET /media/<platform>/<file>: the re-encoded photos, for signed-in users or signed URLs only.

Photos show people and places; the URL alone (in a shared screenshot, a forwarded card, a
browser history) must not be enough. A signed-in web user sees them; anyone else needs a
signed, expiring URL (bot/media/signed_urls.py). The file is always one the media worker
re-encoded; it is sent with a fixed image type and nosniff, so it can never run as a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse

from bot.media.signed_urls import is_valid
from bot.web.accounts.security import secret_key
from bot.web.accounts.users import WebUser
from bot.web.deps import Services, optional_user

router = APIRouter()
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(jpg|png)$")
_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
    "Referrer-Policy": "no-referrer",
}


@router.get("/media/{platform}/{name}")
def media_file(
    request: Request,
    platform: str,
    name: str,
    services: Services,
    user: Annotated[WebUser | None, Depends(optional_user)],
) -> FileResponse:
    if user is None:
        key = secret_key(services.settings)
        now = services.clock.now().timestamp()
        query = request.query_params
        if not is_valid(key, request.url.path, query.get("exp"), query.get("sig"), now):
            raise HTTPException(status_code=401, detail="请登录后查看照片（或链接已过期）")
    found = _NAME.match(name)
    if platform not in ("dingtalk", "wecom", "feishu", "generic") or not found:
        raise HTTPException(404)
    path = Path(services.settings.media_dir) / platform / name
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=_TYPES[found.group(1)], headers=_HEADERS)
