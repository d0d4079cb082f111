"""The ledger's filters as one value, and the one query they build (page, count, export).

Every filter is an indexed column or range (migrations 0006, 0014); the text search is a LIKE
over text and place, narrowed by the search index of bot/reports/ledger_search.py. Only one page
of rows is ever loaded, and the count stops at COUNT_CAP (a million tickets take a full scan to
count; past the cap the page says "1000+" and pages on without a last page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from bot.core.date_range import lenient_date
from bot.reports import periods
from bot.reports.digests import overdue_condition
from bot.reports.ledger_search import IdColumn, narrowed
from config.schema import GuanjiaConfig
from models import ALL_STATUSES, OPEN_STATUSES, Ticket

PER_PAGE = 50
COUNT_CAP = 1000
MAX_AREAS = 500
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
    """The filter as SQL conditions; `?q=` is its LIKEs (`selected` adds the search index)."""
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


def selected(
    session: Session,
    cfg: GuanjiaConfig,
    flt: LedgerFilter,
    now: datetime,
    scope_unit: str | None,
    columns: tuple[Any, ...] = (Ticket.id,),
    indexed: bool = True,
) -> tuple[Select[Any], IdColumn]:
    """`columns` of the tickets `flt` selects, through the search index when there is a `q`
    (unless not `indexed`); and the ticket-id column to order and page by (the index's own, on
    SQLite)."""
    query = select(*columns).where(and_(True, *conditions(cfg, flt, now, scope_unit)))
    return narrowed(query, dialect_of(session), flt.q.split() if indexed else [])


def ordered(query: Select[Any], sort: str, ticket_id: IdColumn = Ticket.id) -> Select[Any]:
    if sort == "old":
        return query.order_by(ticket_id)
    if sort == "deadline":
        return query.order_by(Ticket.fix_deadline.asc().nulls_last(), ticket_id)
    return query.order_by(ticket_id.desc())


@dataclass(frozen=True)
class LedgerPage:
    tickets: list[Ticket]
    total: int  # at most COUNT_CAP
    page: int
    pages: int  # the last page, or this one (+1 while full) when the count is capped
    capped: bool = False  # more than COUNT_CAP rows match


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def bounded_count(session: Session, matching: Select[Any], bound: int) -> int:
    """How many rows `matching` selects, counting no further than `bound` + 1."""
    return session.scalar(select(func.count()).select_from(matching.limit(bound + 1).subquery())) or 0


def ledger_page(
    session: Session,
    cfg: GuanjiaConfig,
    flt: LedgerFilter,
    now: datetime,
    scope_unit: str | None,
    per_page: int = PER_PAGE,
) -> LedgerPage:
    matching, ticket_id = selected(session, cfg, flt, now, scope_unit)
    total = bounded_count(session, matching, COUNT_CAP)
    capped = total > COUNT_CAP
    pages = max((min(total, COUNT_CAP) + per_page - 1) // per_page, 1)
    page = flt.page if capped else min(flt.page, pages)
    if capped and flt.q and flt.sort == "deadline":
        # A common term sorted by deadline: walking the deadline index and testing the LIKE finds
        # a page of matches soon; sorting every match the search index finds would not.
        matching, ticket_id = selected(session, cfg, flt, now, scope_unit, indexed=False)
    # Ids first: sorting the matches' ids (an index holds them) is cheap, sorting whole rows is not.
    query = ordered(matching, flt.sort, ticket_id).offset((page - 1) * per_page).limit(per_page)
    ids = list(session.scalars(query))
    rows = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    if capped:
        pages = page + 1 if len(ids) == per_page else page
    return LedgerPage([rows[i] for i in ids if i in rows], min(total, COUNT_CAP), page, pages, capped)


def known_areas(session: Session, cfg: GuanjiaConfig) -> list[str]:
    """Areas for the filter: the groups' areas and those tickets carry.

    A loose index scan (each step the next area after the last, from the (area, id) index): a
    plain DISTINCT reads every ticket on PostgreSQL, 300 ms at a million.
    """
    found = {g.area for g in cfg.groups.values() if g.area}
    loose = text(
        "WITH RECURSIVE found(area, n) AS ("
        " SELECT min(area), 1 FROM tickets"
        " UNION ALL SELECT (SELECT min(area) FROM tickets WHERE area > found.area), n + 1"
        " FROM found WHERE found.area IS NOT NULL AND n < :most)"
        " SELECT area FROM found WHERE area IS NOT NULL"
    )
    found |= {a for a in session.scalars(loose, {"most": MAX_AREAS}) if a}
    return sorted(a for a in found if a)
