"""GET /media/<platform>/<file>: the photos the media worker fetched and stored locally."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from bot.app_services import Services

router = APIRouter()
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(jpg|png)$")


@router.get("/media/{platform}/{name}")
def media_file(services: Services, platform: str, name: str) -> FileResponse:
    if platform not in ("dingtalk", "wecom", "feishu") or not _NAME.match(name):
        raise HTTPException(404)
    path = Path(services.settings.media_dir) / platform / name
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path)
