"""The ledger (台账) at `/`: filters, search, sort, pages (its xlsx export: bot/web/export.py)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.reports.ledger_query import OPEN, SORTS, LedgerFilter, known_areas, ledger_page
from bot.tickets.campaign import period_at
from bot.tickets.status_labels import STATUS_LABELS
from bot.web.accounts.users import WebUser
from bot.web.deps import CurrentUser, Services, render
from bot.web.templating import Fmt
from config.schema import GuanjiaConfig

router = APIRouter()


def _filter(request: Request, cfg: GuanjiaConfig, user: WebUser) -> LedgerFilter:
    flt = LedgerFilter.from_query(request.query_params, cfg)
    # A unit member's ledger is the unit's; another unit in the query string is ignored.
    return replace(flt, unit="") if user.scope_unit else flt


@router.get("/")
def ledger(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    now = services.clock.now()
    flt = _filter(request, cfg, user)
    with services.session_factory() as session:
        page = ledger_page(session, cfg, flt, now, user.scope_unit)
        areas = known_areas(session, cfg)
        campaign = period_at(session, cfg, now)
    context = {
        "user": user,
        "flt": flt,
        "page": page,
        "areas": areas,
        "fmt": Fmt(cfg, now),
        "statuses": [(OPEN, "未办结"), *STATUS_LABELS.items()],
        "sorts": SORTS,
        "units": [(code, u.name) for code, u in cfg.units.items()],
        "categories": [(code, c.name) for code, c in cfg.categories.items()],
        "nav": "ledger",
        # 迎检: the banner over the ledger while a campaign period is on.
        "campaign": campaign,
        "campaign_days_left": campaign.days_left(cfg, now) if campaign else None,
    }
    return render(request, "ledger.html", context)
