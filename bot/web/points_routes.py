"""GET /points: the 测评点位 with their last round, times inspected and open problems; stale ones flagged."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.inspections.overview import point_rows
from bot.web.deps import CurrentUser, Services, render
from bot.web.templating import Fmt

router = APIRouter()


@router.get("/points")
def points_page(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    now = services.clock.now()
    with services.session_factory() as session:
        rows = point_rows(session, cfg, now)
    context = {
        "user": user,
        "rows": rows,
        "flagged": sum(r.flagged for r in rows),
        "max_days": cfg.points.max_days_between_rounds,
        "fmt": Fmt(cfg, now),
        "nav": "points",
    }
    return render(request, "points.html", context)
