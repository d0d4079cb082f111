"""A search page on PostgreSQL is found one of several ways (bot/reports/ledger_query.py,
`_searched`): from the first tickets in the page's order, by a longer walk, or through the search
index, its page walked or asked of the index. Each way must give exactly the page the one bounded
query gives (`_through_the_index`): the same rows in the same order, the same count, pages and cap.

The bounds are shrunk so that 150 tickets reach every way; on SQLite the ways are forced (its
FTS5 index drives every page in production) so that both databases run them.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.app_services import AppServices
from bot.reports import ledger_query
from bot.reports.ledger_query import LedgerFilter
from models import Ticket

TERMS = [
    "街",  # every ticket: the first tickets hold the count and the page
    "垃",  # 1 character, every other ticket: a walk
    "垃圾",  # 2
    "府前街",  # 3, every third
    "井盖缺失",  # every tenth: the index, over the cap
    "路灯",  # four old tickets: the index, every match in hand
    "府前街 垃圾",  # several words
    "垃圾 井盖",
    "abc",  # cased: ILIKE, both cases
    "ABC",
    "没有这个词",
    "%",
]


def _seed(services: AppServices, count: int = 150) -> None:
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        for n in range(count):
            problems = ["垃圾堆了两天"] if n % 2 == 0 else ["车辆违停"]
            problems += ["井盖缺失"] if n % 10 == 0 else []
            problems += ["路灯不亮"] if n < 4 else []
            problems += ["ABC广告"] if n % 7 == 0 else (["abc小广告"] if n % 7 == 1 else [])
            place = f"{'府前街' if n % 3 == 0 else '高塔街'}{n % 20}号"
            session.add(
                Ticket(
                    status="dispatched", category="garbage", unit="hws" if n % 4 else "cgzf",
                    text=f"{place}附近{'，'.join(problems)}", location=place if n % 5 else None,
                    reporter_id="wgy_li", reporter_name="李网格", group_id="demo",
                    created_at=now - timedelta(minutes=count - n),
                    # Ties and missing deadlines: the deadline sort falls back on the id.
                    fix_deadline=None if n % 6 == 0 else now + timedelta(hours=n % 5),
                )
            )  # fmt: skip


def _ways(session: Session, services: AppServices, flt: LedgerFilter, unit: str | None) -> list[object]:
    """The one bounded query's page, then `_searched`'s."""
    now, cfg = services.clock.now(), services.cfg
    return [
        ledger_query._through_the_index(session, cfg, flt, now, unit, 3),
        ledger_query._searched(session, cfg, flt, now, unit, 3),
    ]


def _seen(found: object) -> tuple[object, ...]:
    assert isinstance(found, ledger_query._Found)
    return found.ids, found.total, found.page, found.pages, found.capped


INDEX = {"index", "index, page by index", "index, page by deadline"}
NOT_THE_WINDOW = {"walk", "index, page walked", *INDEX}


@pytest.mark.parametrize(
    ("window", "walk_rows", "expected_ways"),
    [
        (4, 10, NOT_THE_WINDOW),  # the window never holds the count's 9 matches
        (8, 40, NOT_THE_WINDOW),
        (6, 10, {"index, page in the window", *NOT_THE_WINDOW}),
        (20, 1000, {"window", "walk", *INDEX}),
        (1000, 1000, {"window"}),  # every ticket in the window
    ],
)
def test_every_way_gives_the_page_the_one_query_gives(
    services: AppServices, monkeypatch: pytest.MonkeyPatch, window: int, walk_rows: int, expected_ways: set[str]
) -> None:
    monkeypatch.setattr(ledger_query, "COUNT_CAP", 8)
    monkeypatch.setattr(ledger_query, "WINDOW", window)
    monkeypatch.setattr(ledger_query, "WALK_ROWS", walk_rows)
    _seed(services)
    ways: Counter[str] = Counter()
    with services.session_factory() as session:
        for q, sort, page, unit in product(TERMS, ledger_query.SORTS, (1, 2, 4, 40), (None, "hws")):
            one_query, searched = _ways(session, services, LedgerFilter(q=q, sort=sort, page=page), unit)
            assert isinstance(searched, ledger_query._Found)
            ways[searched.via] += 1
            assert _seen(searched) == _seen(one_query), (q, sort, page, unit, searched.via)
    assert set(ways) == expected_ways  # the comparison covered every way these bounds lead to


def test_the_page_of_a_search_is_found_by_a_walk_on_both_databases(
    services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ledger_page, as the web ledger calls it: forced on SQLite, as it is on PostgreSQL."""
    monkeypatch.setattr(ledger_query, "index_orders_matches", lambda dialect: False)
    monkeypatch.setattr(ledger_query, "COUNT_CAP", 8)
    monkeypatch.setattr(ledger_query, "WINDOW", 4)
    monkeypatch.setattr(ledger_query, "WALK_ROWS", 10)
    _seed(services)
    now = services.clock.now()
    with services.session_factory() as session:
        first = session.scalar(select(func.min(Ticket.id)))  # ticket n of _seed has the id first + n
        page = ledger_query.ledger_page(session, services.cfg, LedgerFilter(q="垃圾", page=2), now, None, 3)
        rare = ledger_query.ledger_page(session, services.cfg, LedgerFilter(q="路灯", sort="old"), now, None, 3)
    assert first is not None
    assert [t.id - first for t in page.tickets] == [142, 140, 138]  # 148, 146, 144 on page 1
    assert (page.total, page.capped, page.page, page.pages) == (8, True, 2, 3)
    assert [t.id - first for t in rare.tickets] == [0, 1, 2]
    assert (rare.total, rare.capped, rare.pages) == (4, False, 2)


def test_a_search_puts_the_planner_setting_back(services: AppServices) -> None:
    """PostgreSQL plans a search's walk with random_page_cost 1.1; the rest of the request does not."""
    _seed(services, 10)
    with services.session_factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("a PostgreSQL planner setting")
        before = session.scalar(text("SHOW random_page_cost"))
        page = ledger_query.ledger_page(session, services.cfg, LedgerFilter(q="垃圾"), services.clock.now(), "hws")
        assert page.total == 2  # tickets 2 and 6: the even ones (垃圾) of the unit (n % 4 != 0)
        assert session.scalar(text("SHOW random_page_cost")) == before != "1.1"
