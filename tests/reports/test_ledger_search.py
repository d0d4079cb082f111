"""`?q=` through the search index (migration 0014) returns exactly the rows LIKE returns.

The index is over tripled text so that 1- and 2-character Chinese terms are served too; these
tests compare the indexed search with the plain LIKE (no index) for terms of 1, 2, 3 and 5
characters, several terms, wildcards and case, after inserts, edits and deletes, and check
that the database really answers through the index.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.orm import Session

from bot.app_services import AppServices
from bot.reports.ledger_query import LedgerFilter, ledger_page, selected
from bot.tickets.search.index_query import caseless
from bot.tickets.search.index_upkeep import search_body
from models import Ticket
from tests.support.chat import Chat

TEXTS = [
    ("府前街与南环路交叉口西北角垃圾堆了两天了", "府前街12号"),
    ("东关大街井盖缺失，很危险", "东关大街"),
    ("井盖", None),
    ("垃", "妫水北街"),
    ("路边有 ABC 广告牌", "高塔街"),
    ("abc 小写广告", "百泉街"),
    ("100%_完成率\\标语", "南环路"),
    ("车辆违停", "府前街8号"),
    ("共享单车乱放", "井"),
    ("垃圾桶满溢", "北环路垃圾站"),
]
TERMS = [
    "垃",  # 1 character
    "井",
    "井盖",  # 2
    "垃圾",
    "府前街",  # 3
    "12号",
    "南环路交叉",  # 5
    "府前街 垃圾",  # several terms
    "垃圾 北环路",
    "井 东关",
    "abc",  # case: LIKE folds ASCII
    "ABC",
    "%",  # wildcards are literal
    "_",
    "\\",
    "%_完",
    "号东",  # never across text and place
    "没有",
    "街",
]


def _seed(services: AppServices, rows: list[tuple[str, str | None]]) -> None:
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        for n, (body, place) in enumerate(rows):
            session.add(
                Ticket(
                    status="dispatched", category="garbage", unit="hws", text=body, location=place,
                    reporter_id="wgy_li", reporter_name="李网格", group_id="demo",
                    created_at=now - timedelta(minutes=n), fix_deadline=now + timedelta(hours=n),
                )
            )  # fmt: skip


def _like_ids(session: Session, services: AppServices, q: str) -> list[int]:
    """The plain case-insensitive LIKE of every word (no index), newest first."""
    where = and_(
        True,
        *(
            or_(Ticket.text.icontains(t, autoescape=True), Ticket.location.icontains(t, autoescape=True))
            for t in q.split()
        ),
    )
    return list(session.scalars(select(Ticket.id).where(where).order_by(Ticket.id.desc())))


def _page_ids(session: Session, services: AppServices, q: str) -> list[int]:
    page = ledger_page(session, services.cfg, LedgerFilter(q=q), services.clock.now(), None, per_page=1000)
    return [t.id for t in page.tickets]


def test_indexed_search_returns_exactly_what_like_returns(services: AppServices) -> None:
    _seed(services, TEXTS)
    with services.session_factory() as session:
        for q in TERMS:
            expected = _like_ids(session, services, q)
            assert _page_ids(session, services, q) == expected, q
        # The comparison is not vacuous: short terms find rows, wildcards only literal ones.
        assert len(_like_ids(session, services, "垃")) == 3
        assert len(_like_ids(session, services, "井盖")) == 2
        assert len(_like_ids(session, services, "abc")) == 2
        assert len(_like_ids(session, services, "%")) == 1
        assert _like_ids(session, services, "号东") == []


def test_edits_and_deletes_reach_the_index(services: AppServices) -> None:
    _seed(services, TEXTS)
    with services.session_factory() as session, session.begin():
        first = session.scalars(select(Ticket).order_by(Ticket.id)).first()
        assert first is not None
        first.text, first.location = "窨井盖松动", "新地点"
        session.execute(delete(Ticket).where(Ticket.text == "井盖"))
    with services.session_factory() as session:
        assert _page_ids(session, services, "窨井") == [first.id]
        assert _page_ids(session, services, "新地点") == [first.id]
        assert _page_ids(session, services, "西北角") == []
        for q in ("井盖", "井", "垃圾", "府前街"):
            assert _page_ids(session, services, q) == _like_ids(session, services, q), q


def _plan(session: Session, query: str) -> str:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = session.execute(text(f"EXPLAIN {query}"))
    else:
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {query}"))
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


@pytest.mark.parametrize("term", ["垃", "井盖", "府前街"])
def test_the_search_goes_through_the_index(services: AppServices, term: str) -> None:
    _seed(services, TEXTS)
    flt = LedgerFilter(q=term)
    with services.session_factory() as session:
        matching, _ = selected(session, services.cfg, flt, services.clock.now(), None)
        sql = matching.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = _plan(session, str(sql))
    assert "ticket_search" in plan or "ix_tickets_search_trgm" in plan, plan


def test_the_count_stops_at_the_cap(services: AppServices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.reports.ledger_query.COUNT_CAP", 4)
    _seed(services, TEXTS)
    with services.session_factory() as session:
        first = ledger_page(session, services.cfg, LedgerFilter(), services.clock.now(), None, per_page=3)
        last = ledger_page(session, services.cfg, LedgerFilter(page=4), services.clock.now(), None, per_page=3)
        small = ledger_page(session, services.cfg, LedgerFilter(q="井盖"), services.clock.now(), None, per_page=3)
    assert (first.total, first.capped, first.page, first.pages) == (4, True, 1, 2)
    assert (len(last.tickets), last.page, last.pages) == (1, 4, 4)  # past the cap, pages still open
    assert (small.total, small.capped, small.pages) == (2, False, 1)


def test_only_words_without_case_skip_the_case_folding() -> None:
    """A caseless word is searched by LIKE instead of ILIKE: only safe where no character of it
    has a case or is what another character folds to."""
    assert all(caseless(w) for w in ("垃圾", "井盖", "12号", "%_", "（府前街）", "１２"))
    # Latin, Greek, the sharp s (upper-cases to SS), Roman numerals and circled letters have case.
    assert not any(caseless(w) for w in ("abc", "ABC", "垃圾a", "ß", "Ω", "Ⅻ", "ⓐ", "\u212a"))
    assert not caseless("\u0307")  # combining dot above: part of what İ lower-cases to


def _sqlite_only(services: AppServices) -> None:
    if services.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 index takes new tickets in bulk; PostgreSQL's GIN index at each insert")


def _indexed_to(services: AppServices) -> int:
    with services.session_factory() as session:
        return session.scalar(text("SELECT indexed_to FROM ticket_search_state")) or 0


def _index_is_sound(services: AppServices) -> None:
    """FTS5 checks its own structure (a contentless row forgotten with the wrong text breaks it)."""
    with services.session_factory() as session, session.begin():
        session.execute(text("INSERT INTO ticket_search(ticket_search, rank) VALUES ('integrity-check', 0)"))


def test_edits_and_deletes_of_indexed_tickets_reach_the_index(services: AppServices) -> None:
    """The search first indexes the new tickets (committed); edits and deletes after that go
    through the triggers, and a deleted newest id that SQLite hands out again is indexed too."""
    _seed(services, TEXTS)
    with services.session_factory() as session:
        assert _page_ids(session, services, "井盖") == _like_ids(session, services, "井盖")
    with services.session_factory() as session, session.begin():
        first = session.scalars(select(Ticket).order_by(Ticket.id)).first()
        newest = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert first is not None and newest is not None
        first.text, first.location = "窨井盖松动", "新地点"
        session.execute(delete(Ticket).where(Ticket.id == newest.id))
    _seed(services, [("二手床垫扔在楼道", "桃园小区")])
    with services.session_factory() as session:
        reused = session.scalar(select(Ticket.id).where(Ticket.text == "二手床垫扔在楼道"))
        assert _page_ids(session, services, "床垫") == [reused]
        assert _page_ids(session, services, "窨井") == [first.id]
        assert _page_ids(session, services, "西北角") == []
        for q in ("井盖", "井", "垃圾", "府前街", "街"):
            assert _page_ids(session, services, q) == _like_ids(session, services, q), q
    if services.engine.dialect.name == "sqlite":
        _index_is_sound(services)


def test_a_search_indexes_the_new_tickets_first_and_keeps_them(services: AppServices) -> None:
    _sqlite_only(services)
    before = _indexed_to(services)
    _seed(services, TEXTS)
    assert _indexed_to(services) == before  # inserting indexes nothing: that is left to bulk
    with services.session_factory() as session:
        assert len(_page_ids(session, services, "垃")) == 3
    assert _indexed_to(services) == before + len(TEXTS)  # committed: the next search has nothing to do
    _index_is_sound(services)


def test_the_intake_indexes_new_tickets_in_bulk(
    services: AppServices, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports through the chat are indexed once BULK of them wait, with no search needed."""
    _sqlite_only(services)
    monkeypatch.setattr("bot.tickets.search.index_upkeep.BULK", 3)
    before = _indexed_to(services)
    chat.report("府前街垃圾桶满了")
    chat.report("东关大街井盖缺失")
    assert _indexed_to(services) == before
    third = chat.report("南环路有人乱贴小广告")
    assert _indexed_to(services) == third  # the third report's batch indexed all three
    with services.session_factory() as session:
        indexed = session.scalar(text("SELECT count(*) FROM ticket_search WHERE ticket_search MATCH '井井盖'"))
    assert indexed == 1
    _index_is_sound(services)


@pytest.mark.parametrize(
    ("body", "place"),
    [("井盖缺失", "府前街12号"), ("", None), ("🚗 违停 ABC", ""), ("e\u0301 x\u200d y", "𠀋路")],
)
def test_python_and_the_triggers_triple_a_ticket_alike(services: AppServices, body: str, place: str | None) -> None:
    """The bulk indexer (Python) and the update/delete triggers (SQL) must write the same body:
    a contentless FTS5 row is forgotten only with exactly what it held."""
    _sqlite_only(services)
    path = Path(__file__).resolve().parents[2] / "alembic" / "versions" / "0019_search_index_in_bulk.py"
    spec = importlib.util.spec_from_file_location("migration_0019", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    expression = migration._sqlite_body("t")
    with services.session_factory() as session:
        in_sql = session.scalar(
            text(f"SELECT {expression} FROM (SELECT :b AS text, :p AS location) AS t"), {"b": body, "p": place}
        )
    assert in_sql == search_body(body, place)
    assert len(in_sql) == 3 * (len(body) + 1 + len(place or ""))
