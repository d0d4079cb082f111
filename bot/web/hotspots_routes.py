"""GET /hotspots: 顽疾 — the hotspots now, and problems per area × category in a chosen period.

The period is a `period` query value: "" (the hotspot window, the last D days), "week:DATE"
or "month:DATE"; anything else shows the default, as the units page does with an odd week.
The chart is its own URL (the CSP allows images from 'self' only) and is drawn after the
session is closed, so matplotlib never holds a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.core.date_range import lenient_date
from bot.reports import periods
from bot.reports.hotspots import hotspots
from bot.reports.hotspots.chart import area_chart_png
from bot.reports.hotspots.table import AreaTable, area_table
from bot.web.accounts.users import WebUser
from bot.web.deps import SECURITY_HEADERS, CurrentUser, Services, render
from bot.web.templating import Fmt
from config.schema import GuanjiaConfig

router = APIRouter()
RECENT = 8  # weeks and months offered in the period picker


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    start: datetime
    end: datetime


def choices(cfg: GuanjiaConfig, now: datetime) -> list[Choice]:
    """The periods offered: the hotspot window first, then recent weeks, then recent months."""
    days = cfg.hotspots.days
    found = [Choice("", f"近{days}天", now - timedelta(days=days), now + timedelta(microseconds=1))]
    today = periods.local_date(cfg, now)
    week = periods.week_containing(cfg, today)
    for n in range(RECENT):
        p = periods.week_containing(cfg, week.first - timedelta(days=7 * n))
        found.append(Choice(f"week:{p.first}", f"{p.label}{'（本周）' if n == 0 else ''}", p.start, p.as_of(now)))
    month = periods.month_containing(cfg, today)
    for _ in range(RECENT):
        label = f"{month.first.year}年{month.first.month}月"
        found.append(Choice(f"month:{month.first}", label, month.start, month.as_of(now)))
        month = periods.month_containing(cfg, month.first - timedelta(days=1))
    return found


def chosen(cfg: GuanjiaConfig, now: datetime, value: str | None) -> Choice:
    """The period asked for, normalised to a week's Monday or a month's first day."""
    options = choices(cfg, now)
    kind, _, raw = (value or "").partition(":")
    day: date | None = lenient_date(raw)
    if day is not None and kind == "week":
        value = f"week:{periods.week_containing(cfg, day).first}"
    elif day is not None and kind == "month":
        value = f"month:{day.replace(day=1)}"
    return next((c for c in options if c.value == value), options[0])


def _table(services: Services, user: WebUser, choice: Choice) -> AreaTable:
    with services.session_factory() as session:
        return area_table(session, services.cfg, choice.start, choice.end, user.scope_unit)


@router.get("/hotspots")
def hotspots_page(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    now = services.clock.now()
    choice = chosen(cfg, now, request.query_params.get("period"))
    table = _table(services, user, choice)
    with services.session_factory() as session:
        found = hotspots(session, cfg, now, user.scope_unit)
    context = {
        "user": user,
        "table": table,
        "hotspots": found,
        "choice": choice,
        "choices": choices(cfg, now),
        "rule": cfg.hotspots,
        "fmt": Fmt(cfg, now),
        "nav": "hotspots",
    }
    return render(request, "hotspots.html", context)


@router.get("/hotspots/chart.png")
def hotspots_chart(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    choice = chosen(cfg, services.clock.now(), request.query_params.get("period"))
    table = _table(services, user, choice)  # the session is closed before drawing
    png = area_chart_png(cfg, f"各属地问题数 {choice.label}", table)
    headers = {**SECURITY_HEADERS, "Cache-Control": "private, no-store"}
    return Response(png, media_type="image/png", headers=headers)
