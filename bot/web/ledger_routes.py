"""The ledger (台账) at `/`: filters, search, sort, pages (its xlsx export: bot/web/export.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.core.date_range import RANGE_TEXT, in_range
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


def date_problems(params: Mapping[str, str], flt: LedgerFilter) -> list[str]:
    """Why the date filters were not applied as asked, in words for the top of the page.

    The filter itself stays lenient (an unreadable date is ignored, the rest of the page
    works), but a date that is silently dropped shows every ticket, and a range that ends
    before it starts shows none: either way the reader must be told why.
    """
    problems = []
    for name, label, read in (("since", "开始日期", flt.since), ("until", "结束日期", flt.until)):
        typed = params.get(name, "").strip()
        if typed and read is None:
            problems.append(f"{label}无效：{_shown(typed)}（{_why_unreadable(typed)}）")
    if flt.since and flt.until and flt.since > flt.until:
        problems.append(f"开始日期（{flt.since}）晚于结束日期（{flt.until}），没有工单能同时满足")
    return problems


def _shown(typed: str) -> str:
    return typed if len(typed) <= 20 else typed[:20] + "…"


def _why_unreadable(typed: str) -> str:
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        return "请按 年-月-日 填写"
    return "请按 年-月-日 填写" if in_range(day) else f"日期须在 {RANGE_TEXT} 之间"


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
        "date_problems": date_problems(request.query_params, flt),
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
