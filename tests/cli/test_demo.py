"""`guanjia demo`: a consistent history through the real intake, and never on a real ledger."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select

from bot.cli.demo.history import PROBLEMS
from bot.cli.main import main
from bot.core.clock import FixedClock
from models import Recheck, Ticket, TicketEvent
from tests.support.chat import SHANGHAI

# A Monday morning: the demo's three weeks are the three full weeks before it.
NOW = FixedClock(datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def demo_db(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("GUANJIA_DATABASE_URL", database_url)
    return engine


def test_demo_history_is_consistent_and_the_weekly_digest_shows_it(
    demo_db: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--weeks", "3", "--scale", "small"], clock=NOW) == 0
    said = capsys.readouterr().out
    assert "已生成 3 周演示历史：上报 " in said and "回头看" in said and "督查" in said

    with demo_db.connect() as db:
        statuses = set(db.scalars(select(Ticket.status)))
        categories = set(db.scalars(select(Ticket.category)))
        closed = list(db.scalars(select(Ticket.id).where(Ticket.status == "closed")))
        events = {(t, k) for t, k in db.execute(select(TicketEvent.ticket_id, TicketEvent.type))}
        results = set(db.scalars(select(Recheck.result)))
        in_rounds = db.scalar(select(func.count()).select_from(Ticket).where(Ticket.round_id.is_not(None)))
    assert {"dispatched", "claimed", "closed"} <= statuses
    assert set(PROBLEMS) <= categories
    assert len(closed) > 20
    for ticket_id in closed:
        assert {(ticket_id, kind) for kind in ("claimed", "fixed", "verified")} <= events, ticket_id
    assert {"passed", "rebound"} <= results
    assert in_rounds and in_rounds > 0
    kinds = {kind for _, kind in events}
    assert {"returned", "extension_approved", "reopened", "satisfied", "dissatisfied"} <= kinds

    assert main(["digest", "weekly"], clock=NOW) == 0
    digest = capsys.readouterr().out
    assert "红榜" in digest and "反弹率" in digest and "满意率" in digest
    assert "督查：检查点位" in digest


def test_demo_refuses_a_database_that_has_tickets(demo_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--weeks", "1", "--scale", "small"], clock=NOW) == 0
    with demo_db.connect() as db:
        before = db.scalar(select(func.count()).select_from(Ticket))
    capsys.readouterr()

    assert main(["demo", "--weeks", "1", "--scale", "small"], clock=NOW) == 1
    assert f"数据库里已有 {before} 张工单" in capsys.readouterr().out
    with demo_db.connect() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == before
