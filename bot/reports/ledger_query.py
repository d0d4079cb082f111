"""The ledger's filters as one value, and the one query they build (page, count, export).

Every filter is an indexed column or range (migrations 0006, 0014); the text search is a LIKE
over text and place, narrowed by the search index of bot/tickets/search/index_query.py. Only one page
of rows is ever loaded, and the count stops at COUNT_CAP (a million tickets take a full scan to
count; past the cap the page says "1000+" and pages on without a last page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from bot.core.date_range import lenient_date
from bot.reports import periods
from bot.reports.digests import overdue_condition
from bot.tickets.search.index_query import IdColumn, caseless, index_orders_matches, narrowed, ordered_paths
from bot.tickets.search.index_upkeep import catch_up
from config.schema import GuanjiaConfig
from models import ALL_STATUSES, OPEN_STATUSES, Ticket

PER_PAGE = 50
COUNT_CAP = 1000
WINDOW = 2_000  # tickets a search first checks in the page's order, to see how common its terms are
WALK_ROWS = 15_000  # the tickets a walk may expect to check before the search index is cheaper
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
    return filter_conditions(cfg, flt, now, scope_unit) + term_conditions(flt.q)


def filter_conditions(cfg: GuanjiaConfig, flt: LedgerFilter, now: datetime, scope_unit: str | None) -> list[Any]:
    """The filter as SQL conditions, all but `?q=`."""
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
    return where


def term_conditions(q: str) -> list[ColumnElement[bool]]:
    """Each word of `q` in the text or the place: a LIKE, case-insensitive (a word without cased
    letters, such as Chinese, needs no folding: the plain LIKE finds the same rows, cheaper)."""
    where: list[ColumnElement[bool]] = []
    for term in q.split():
        if caseless(term):
            text_has, place_has = Ticket.text.contains, Ticket.location.contains
        else:
            text_has, place_has = Ticket.text.icontains, Ticket.location.icontains
        where.append(or_(text_has(term, autoescape=True), place_has(term, autoescape=True)))
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
    if flt.q and indexed:
        catch_up(session)  # SQLite's index takes new tickets in bulk: complete it first
    return narrowed(query, dialect_of(session), flt.q.split() if indexed else [])


def ordered(query: Select[Any], sort: str, ticket_id: IdColumn = Ticket.id) -> Select[Any]:
    return query.order_by(*sort_keys(sort, {"id": ticket_id, "fix_deadline": Ticket.fix_deadline}))


def sort_keys(sort: str, columns: Any) -> list[Any]:
    """The ORDER BY of `sort` over `columns` (`id`, `fix_deadline`: the table's or a subquery's)."""
    if sort == "old":
        return [columns["id"]]
    if sort == "deadline":
        return [columns["fix_deadline"].asc().nulls_last(), columns["id"]]
    return [columns["id"].desc()]


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
    if flt.q and not index_orders_matches(dialect_of(session)):
        # Without another filter the walk has one ordered path, the primary key: nothing to plan.
        with ordered_paths(session, bool(filter_conditions(cfg, flt, now, scope_unit))):
            found = _searched(session, cfg, flt, now, scope_unit, per_page)
    else:
        found = _through_the_index(session, cfg, flt, now, scope_unit, per_page)
    ids = found.ids
    rows = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    return LedgerPage([rows[i] for i in ids if i in rows], found.total, found.page, found.pages, found.capped)


@dataclass(frozen=True)
class _Found:
    ids: list[int]  # the page's ticket ids, in order
    total: int
    page: int
    pages: int
    capped: bool
    via: str = "index"  # how a search found them (tests and benchmarks tell the ways apart)


def _through_the_index(
    session: Session, cfg: GuanjiaConfig, flt: LedgerFilter, now: datetime, scope_unit: str | None, per_page: int
) -> _Found:
    """The page as one bounded count and one ordered page query, the search index driving both."""
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
    if capped:
        pages = page + 1 if len(ids) == per_page else page
    return _Found(ids, min(total, COUNT_CAP), page, pages, capped)


def _from_matches(matches: list[int], flt: LedgerFilter, per_page: int, via: str) -> _Found:
    """The page out of `matches` in page order: every match, or (more than COUNT_CAP of them) at
    least as many as the page asked for needs."""
    capped = len(matches) > COUNT_CAP
    pages = max((min(len(matches), COUNT_CAP) + per_page - 1) // per_page, 1)
    page = flt.page if capped else min(flt.page, pages)
    ids = matches[(page - 1) * per_page : page * per_page]
    if capped:
        pages = page + 1 if len(ids) == per_page else page
    return _Found(ids, min(len(matches), COUNT_CAP), page, pages, capped, via)


def _searched(
    session: Session, cfg: GuanjiaConfig, flt: LedgerFilter, now: datetime, scope_unit: str | None, per_page: int
) -> _Found:
    """A search page where the index hands over its candidates unordered (PostgreSQL's GIN).

    For a common term that costs more than the answer: the index reads all of its (say 100,000)
    candidates and each is checked, where walking the tickets in the page's order finds the
    count's COUNT_CAP + 1 matches and the page's 50 within a few thousand rows. For a rare term
    the walk would read every ticket. So the first WINDOW tickets in the page's order, checked
    with the LIKEs, say how common the terms are, and the page walks or asks the index. Every
    way returns the rows, order and count the one bounded query would.
    """
    walk = _Walk(session, flt, filter_conditions(cfg, flt, now, scope_unit))
    need = max(COUNT_CAP + 1, flt.page * per_page)  # matches that answer both the count and the page
    first, more = walk(WINDOW, need)
    if len(first) >= need or not more:  # enough matches, or every ticket the filter selects
        return _from_matches(first, flt, per_page, "window")
    if first and WINDOW * need <= WALK_ROWS * len(first):  # a walk should find them soon
        found, more = walk(2 * WALK_ROWS, need)
        if len(found) >= need or not more:
            return _from_matches(found, flt, per_page, "walk")
    columns = (Ticket.id, Ticket.fix_deadline) if flt.sort == "deadline" else (Ticket.id,)
    indexed, _ = selected(session, cfg, flt, now, scope_unit, columns)
    candidates = session.execute(indexed.limit(COUNT_CAP + 1)).all()
    if len(candidates) <= COUNT_CAP:  # every match, in hand: sorted here, no second query
        return _from_matches(_in_order(candidates, flt.sort), flt, per_page, "index")
    # Over the cap, though few among the first tickets: the page alone, by a walk when that is short.
    offset, ids, via = (flt.page - 1) * per_page, None, "index, page walked"
    if len(first) >= offset + per_page:
        ids, via = first[offset : offset + per_page], "index, page in the window"
    elif first and WINDOW * (offset + per_page) <= WALK_ROWS * len(first):
        found, more = walk(2 * WALK_ROWS, offset + per_page)
        ids = found[offset:] if len(found) >= offset + per_page or not more else None
    if ids is None:
        via = "index, page by " + ("deadline" if flt.sort == "deadline" else "index")
        # A common term sorted by deadline: walking the deadline index and testing the LIKE finds
        # a page of matches sooner than sorting every match the search index finds.
        matching, ticket_id = selected(session, cfg, flt, now, scope_unit, indexed=flt.sort != "deadline")
        ids = list(session.scalars(ordered(matching, flt.sort, ticket_id).offset(offset).limit(per_page)))
    return _Found(ids, COUNT_CAP, flt.page, flt.page + 1 if len(ids) == per_page else flt.page, True, via)


class _Walk:
    """The tickets the filter selects, in the page's order, each checked with the search's LIKEs."""

    def __init__(self, session: Session, flt: LedgerFilter, filters: list[Any]) -> None:
        self.session, self.sort = session, flt.sort
        columns: tuple[Any, ...] = (Ticket.id, Ticket.fix_deadline, and_(*term_conditions(flt.q)).label("hit"))
        self.selected = select(*columns).where(and_(True, *filters))

    def __call__(self, rows: int, need: int) -> tuple[list[int], bool]:
        """The first `need` matches among the first `rows` tickets, in order, and whether the walk
        stopped at `rows` tickets (more may follow) rather than at the last one.

        The LIKEs are tested above the `rows` limit, so the planner picks the filter's own ordered
        path (the (unit, id) index for a unit) rather than guessing how many rows the LIKEs pass;
        the `rows`-th ticket is returned whether it matches or not, to tell that the walk got there.
        """
        first = ordered(self.selected, self.sort).limit(rows).subquery()
        numbered = select(first, func.row_number().over(order_by=sort_keys(self.sort, first.c)).label("n")).subquery()
        walked = (
            select(numbered.c.id, numbered.c.hit, numbered.c.n)
            .where(or_(numbered.c.hit, numbered.c.n == rows))
            .order_by(*sort_keys(self.sort, numbered.c))
            .limit(need + 1)
        )
        ids, more = [], False
        for ticket_id, hit, n in self.session.execute(walked):  # up to 1,002 rows: one plain pass
            if hit:
                ids.append(ticket_id)
            more = more or n == rows
        return ids[:need], more


NO_DEADLINE = datetime.min


def _in_order(rows: Sequence[Any], sort: str) -> list[int]:
    """The ids of `rows` (id; fix_deadline for the deadline sort) in the order `ordered` gives them."""
    if sort == "old":
        return sorted(r.id for r in rows)
    if sort == "deadline":
        # NULLS LAST, then by id: the deadline sort's tie-break.
        return [r.id for r in sorted(rows, key=lambda r: (r.fix_deadline is None, r.fix_deadline or NO_DEADLINE, r.id))]
    return sorted((r.id for r in rows), reverse=True)


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
