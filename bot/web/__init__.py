"""The web ledger (台账) for the 创城办 and leaders: server-rendered pages over the same services.

`router` holds every page; `static_files()` serves /static (no CDN: everything is local).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from bot.web import (
    export,
    hotspots_routes,
    ledger_routes,
    media_routes,
    points_routes,
    suspects_routes,
    ticket_routes,
    units_routes,
)
from bot.web.accounts import auth_routes, share_routes
from bot.web.templating import WEB_DIR

router = APIRouter(include_in_schema=False)
for _module in (
    auth_routes,
    ledger_routes,
    export,
    ticket_routes,
    units_routes,
    suspects_routes,
    points_routes,
    hotspots_routes,
    share_routes,
    media_routes,
):
    router.include_router(_module.router)


def static_files() -> StaticFiles:
    return StaticFiles(directory=WEB_DIR / "static")
