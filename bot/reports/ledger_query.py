"""The ledger's filters as one value, and the one query they build (page, count, export).

Every filter is an indexed column or range (migration 0006); the text search is a LIKE over
text and place, bounded by the other filters. Only one page of rows is ever loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.core.date_range import lenient_date
from bot.reports import periods
from bot.reports.digests import overdue_condition
from config.schema import GuanjiaConfig
from models import ALL_STATUSES, OPEN_STATUSES, Ticket

PER_PAGE = 50
MAX_QUERY = 100
SORTS = {"new": "最新上报", "old": "最早上报", "deadline": "整改期限最近"}
OPEN = "open"


def _date(value: str | None) -> date | None:
    return lenient_date(value)  # out of range is ignored like any unknown value (no overflow, no 500)


def _flag(value: str | None) -> bool:
    return value in ("1", "on", "true", "yes")


@dataclass(frozen=True)
class LedgerFilter:
    status: str = ""  # a status, "open" (未办结), or "" for all
    unit: str = ""
    category: str = ""
    area: str = ""
    since: date | None = None  # local dates, inclusive
    until: date | None = None
    urgent: bool = False
    overdue: bool = False
    q: str = ""
    sort: str = "new"
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str], cfg: GuanjiaConfig) -> LedgerFilter:
        """Read the query string leniently: an unknown value is ignored, never an error page."""
        status = params.get("status", "")
        page = params.get("page", "1")
        return cls(
            status=status if status in (*ALL_STATUSES, OPEN) else "",
            unit=params.get("unit", "") if params.get("unit") in cfg.units else "",
            category=params.get("category", "") if params.get("category") in cfg.categories else "",
            area=params.get("area", "").strip()[:100],
            since=_date(params.get("since")),
            until=_date(params.get("until")),
            urgent=_flag(params.get("urgent")),
            overdue=_flag(params.get("overdue")),
            q=" ".join(params.get("q", "").split())[:MAX_QUERY],
            sort=params.get("sort", "new") if params.get("sort") in SORTS else "new",
            page=max(int(page), 1) if page.isdigit() and len(page) < 7 else 1,
        )

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string (page 1 unless changed), for links and the export."""
        values = asdict(replace(self, **{"page": 1, **changes}))
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            if value in (None, "", False) or (key == "page" and value == 1) or (key == "sort" and value == "new"):
                continue
            pairs.append((key, "1" if value is True else str(value)))
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        return self.query_string() != ""


def conditions(cfg: GuanjiaConfig, flt: LedgerFilter, now: datetime, scope_unit: str | None) -> list[Any]:
    where: list[Any] = []
    if scope_unit is not None:
        where.append(Ticket.unit == scope_unit)
    if flt.status == OPEN:
        where.append(Ticket.status.in_(OPEN_STATUSES))
    elif flt.status:
        where.append(Ticket.status == flt.status)
    if flt.unit:
        where.append(Ticket.unit == flt.unit)
    if flt.category:
        where.append(Ticket.category == flt.category)
    if flt.area:
        where.append(Ticket.area == flt.area)
    if flt.since:
        where.append(Ticket.created_at >= periods.local_midnight(cfg, flt.since))
    if flt.until:
        where.append(Ticket.created_at < periods.dates(cfg, flt.until, flt.until).end)
    if flt.urgent:
        where.append(Ticket.urgent.is_(True))
    if flt.overdue:
        where.append(overdue_condition(now))
    for term in flt.q.split():
        matches: ColumnElement[bool] = or_(
            Ticket.text.icontains(term, autoescape=True), Ticket.location.icontains(term, autoescape=True)
        )
        where.append(matches)
    return where


def ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "old":
        return query.order_by(Ticket.id)
    if sort == "deadline":
        return query.order_by(Ticket.fix_deadline.asc().nulls_last(), Ticket.id)
    return query.order_by(Ticket.id.desc())


@dataclass(frozen=True)
class LedgerPage:
    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def ledger_page(
    session: Session,
    cfg: GuanjiaConfig,
    flt: LedgerFilter,
    now: datetime,
    scope_unit: str | None,
    per_page: int = PER_PAGE,
) -> LedgerPage:
    where = and_(True, *conditions(cfg, flt, now, scope_unit))
    total = session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(flt.page, pages)
    # Ids first: sorting the matches' ids (an index holds them) is cheap, sorting whole rows is not.
    query = ordered(select(Ticket.id).where(where), flt.sort).offset((page - 1) * per_page).limit(per_page)
    ids = list(session.scalars(query))
    rows = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    return LedgerPage([rows[i] for i in ids if i in rows], total, page, pages)


def known_areas(session: Session, cfg: GuanjiaConfig) -> list[str]:
    """Areas for the filter: the groups' areas and those tickets carry (an index-only scan)."""
    found = {g.area for g in cfg.groups.values() if g.area}
    query = select(Ticket.area).where(Ticket.area.is_not(None)).distinct().limit(500)
    found |= {a for a in session.scalars(query) if a}
    return sorted(a for a in found if a)
