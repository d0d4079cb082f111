"""The ledger (台账) at `/`: filters, search, sort, pages; and its xlsx export."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from bot.reports.ledger_export import XLSX, file_chunks
from bot.reports.ledger_query import OPEN, SORTS, LedgerFilter, known_areas, ledger_page
from bot.reports.periods import local_date
from bot.tickets.campaign import period_at
from bot.tickets.status_labels import STATUS_LABELS
from bot.web.accounts.users import WebUser
from bot.web.deps import CurrentUser, Services, render
from bot.web.export import write_filtered_ledger
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


@router.get("/ledger.xlsx")
def ledger_xlsx(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    now = services.clock.now()
    flt = _filter(request, cfg, user)
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    with services.session_factory() as session:
        write_filtered_ledger(session, cfg, file, flt, now, user.scope_unit)
    name = f"台账{local_date(cfg, now):%Y%m%d}.xlsx"
    disposition = f"attachment; filename=ledger.xlsx; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(
        file_chunks(file), media_type=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"}
    )
