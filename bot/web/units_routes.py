"""GET /units: the weekly KPI table and ranking (the weekly digest's numbers) with charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.app_services import AppServices
from bot.core.date_range import lenient_date
from bot.reports import kpi_view
from bot.web.deps import CurrentUser, Services, State, pop_flash, render

router = APIRouter()


def _date(value: str | None) -> date | None:
    return lenient_date(value)  # an unknown or out-of-range week shows the current one


def board_context(services: AppServices, session: Session, week: date | None) -> dict[str, Any]:
    """Everything the units page and a share link show, for the week containing `week`."""
    cfg = services.cfg
    now = services.clock.now()
    period = kpi_view.week_period(cfg, now, week)
    board = kpi_view.board(session, cfg, period, now)
    return {
        "board": board,
        "rows": board.rows(cfg),
        "weeks": kpi_view.recent_weeks(cfg, now),
        "charts": {
            "trend": kpi_view.trend(session, cfg, period, now),
            "categories": kpi_view.categories(session, cfg, period),
            "scores": [{"name": cfg.unit_name(r.unit), "value": r.score} for r in board.ranking.ranked],
        },
        "bottom_units": [r.unit for r in board.ranking.bottom],
        "min_tickets": cfg.digests.min_tickets_for_ranking,
    }


@router.get("/units")
def units_page(request: Request, services: Services, state: State, user: CurrentUser) -> Response:
    with services.session_factory() as session:
        context = board_context(services, session, _date(request.query_params.get("week")))
    context |= {"user": user, "nav": "units", "flash": pop_flash(request, state), "share_base": None}
    return render(request, "units.html", context, clear_flash=True)
