"""The units page's numbers: the weekly digest's KPIs and ranking (same functions, same
arguments as bot/summaries.summary), a district trend over past weeks, and a category breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.reports import periods
from bot.reports.digest_format import pct
from bot.reports.kpi import UnitKpi, district_total, unit_kpis
from bot.reports.ranking import Ranking, rank
from bot.tickets.formatting import hours_text
from config.schema import GuanjiaConfig
from models import Ticket

TREND_WEEKS = 8


@dataclass(frozen=True)
class Board:
    period: periods.Period
    current: bool  # the week is not over yet
    kpis: dict[str, UnitKpi]
    ranking: Ranking
    district: UnitKpi

    def rows(self, cfg: GuanjiaConfig) -> list[dict[str, Any]]:
        """One row per active unit, best ranked first, then the unranked; the district last."""
        active = [k for k in self.kpis.values() if k.active]
        ranks = {r.unit: r.rank for r in self.ranking.ranked}
        config_order = {code: i for i, code in enumerate(cfg.units)}
        active.sort(key=lambda k: (ranks.get(k.unit, 10_000), config_order.get(k.unit, len(config_order))))
        return [_row(cfg, k, self.ranking) for k in active] + [_row(cfg, self.district, None)]


def _row(cfg: GuanjiaConfig, k: UnitKpi, ranking: Ranking | None) -> dict[str, Any]:
    ranked = ranking.of(k.unit) if ranking else None
    change = ranked.rank_change if ranked else None
    return {
        "unit": k.unit,
        "name": cfg.unit_name(k.unit),
        "district": ranking is None,
        "rank": ranked.rank if ranked else None,
        "score": f"{ranked.score:.1f}" if ranked else "—",
        "change": None if change is None else ("持平" if change == 0 else f"{'↑' if change > 0 else '↓'}{abs(change)}"),
        "dispatched": k.dispatched,
        "claimed": k.claimed,
        "fixed": k.fixed,
        "closed": k.closed,
        "overdue": k.overdue,
        "returned": k.returned,
        "reopened": k.reopened,
        "response_rate": pct(k.response_rate),
        "resolution_rate": pct(k.resolution_rate),
        "on_time_fix_rate": pct(k.on_time_fix_rate),
        "first_pass_rate": pct(k.first_pass_rate),
        "rebound_rate": pct(k.rebound_rate),
        "satisfaction_rate": pct(k.satisfaction_rate),
        "avg_claim": hours_text(k.avg_claim_hours),
        "avg_fix": hours_text(k.avg_fix_hours),
    }


def week_period(cfg: GuanjiaConfig, now: datetime, week: date | None) -> periods.Period:
    """The week containing `week`; by default the last full week (the one the weekly digest covers)."""
    today = periods.local_date(cfg, now)
    if week is None or week > today:
        return periods.previous_week(cfg, today)
    return periods.week_containing(cfg, week)


def board(session: Session, cfg: GuanjiaConfig, period: periods.Period, now: datetime) -> Board:
    kpis = unit_kpis(session, cfg, period, now)
    previous = unit_kpis(session, cfg, periods.before(cfg, period), now)
    return Board(period, period.end > now, kpis, rank(cfg, kpis, previous), district_total(session, period, kpis))


def recent_weeks(cfg: GuanjiaConfig, now: datetime, count: int = 12) -> list[periods.Period]:
    this_week = periods.week_containing(cfg, periods.local_date(cfg, now))
    return [periods.week_containing(cfg, this_week.first - timedelta(days=7 * n)) for n in range(count)]


def trend(session: Session, cfg: GuanjiaConfig, last: periods.Period, now: datetime) -> dict[str, list[Any]]:
    """District totals for the TREND_WEEKS weeks ending with `last`, oldest first."""
    weeks = [periods.week_containing(cfg, last.first - timedelta(days=7 * n)) for n in range(TREND_WEEKS)][::-1]
    series: dict[str, list[Any]] = {"labels": [], "dispatched": [], "closed": [], "overdue": [], "resolution": []}
    for week in weeks:
        district = district_total(session, week, unit_kpis(session, cfg, week, now))
        series["labels"].append(f"{week.first.month}/{week.first.day}")
        series["dispatched"].append(district.dispatched)
        series["closed"].append(district.closed)
        series["overdue"].append(district.overdue)
        rate = district.resolution_rate
        series["resolution"].append(None if rate is None else round(rate * 100, 1))
    return series


def categories(session: Session, cfg: GuanjiaConfig, period: periods.Period) -> list[dict[str, Any]]:
    """Problems reported in the period by category (duplicates not counted), largest first."""
    query = (
        select(Ticket.category, func.count())
        .where(Ticket.created_at >= period.start, Ticket.created_at < period.end, Ticket.duplicate_of.is_(None))
        .group_by(Ticket.category)
        .order_by(func.count().desc())
    )
    return [{"name": cfg.category_name(code), "value": n} for code, n in session.execute(query)]
